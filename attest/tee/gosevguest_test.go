package tee_test

import (
	"testing"
	"time"

	"github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/kds"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
	sevtest "github.com/google/go-sev-guest/testing"

	"github.com/sovbench/sovbench/attest/tee"
	"github.com/sovbench/sovbench/results"
)

// fakeAMD builds go-sev-guest's own fake AMD chain (its test keys), with a
// VCEK for hwid or a VLEK for cspid, at tcb.
func fakeAMD(t *testing.T, vlek bool, hwid []byte, cspid string, tcb kds.TCBParts) *sevtest.AmdSigner {
	t.Helper()
	now := time.Now().Add(-time.Hour)
	b := &sevtest.AmdSignerBuilder{
		ProductName: "Milan-B1", CSPID: cspid, ArkCreationTime: now, AskCreationTime: now,
		AsvkCreationTime: now, VcekCreationTime: now, VlekCreationTime: now,
		VcekCustom: sevtest.CertOverride{Extensions: sevtest.CustomExtensions(tcb, hwid, "", "Milan-B1")},
		VlekCustom: sevtest.CertOverride{Extensions: sevtest.CustomExtensions(tcb, nil, cspid, "Milan")},
	}
	s, err := b.TestOnlyCertChain()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fakeReport signs a version 2 report (product from the certificate)
// with go-sev-guest's fake signer.
func fakeReport(t *testing.T, s *sevtest.AmdSigner, vlek bool, chipID []byte, tcb kds.TCBParts) *results.TEEDetails {
	t.Helper()
	v, err := kds.ComposeTCBParts(tcb)
	if err != nil {
		t.Fatal(err)
	}
	key := abi.VcekReportSigner
	if vlek {
		key = abi.VlekReportSigner
	}
	rd := tee.ReportData(nonce, digest)
	rep := &spb.Report{
		Version: 2, Policy: abi.SnpPolicyToBytes(abi.SnpPolicy{ABIMajor: 1}), FamilyId: make([]byte, 16), ImageId: make([]byte, 16),
		SignatureAlgo: abi.SignEcdsaP384Sha384, CurrentTcb: uint64(v), ReportedTcb: uint64(v), CommittedTcb: uint64(v), LaunchTcb: uint64(v),
		SignerInfo: abi.ComposeSignerInfo(abi.SignerInfo{SigningKey: key}), ReportData: rd[:], Measurement: make([]byte, 48),
		HostData: make([]byte, 32), IdKeyDigest: make([]byte, 48), AuthorKeyDigest: make([]byte, 48), ReportId: make([]byte, 32),
		ReportIdMa: make([]byte, 32), ChipId: chipID, Signature: make([]byte, abi.SignatureSize),
	}
	raw, err := abi.ReportToAbiBytes(rep)
	if err != nil {
		t.Fatal(err)
	}
	r, sig, err := s.Sign(abi.SignedComponent(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := abi.SetSignature(r, sig, raw); err != nil {
		t.Fatal(err)
	}
	ek, ica := results.TEECert{Role: "vcek", DER: s.Vcek.Raw}, results.TEECert{Role: "ask", DER: s.Ask.Raw}
	if vlek {
		ek, ica = results.TEECert{Role: "vlek", DER: s.Vlek.Raw}, results.TEECert{Role: "asvk", DER: s.Asvk.Raw}
	}
	return &results.TEEDetails{Kind: results.TEESEVSNP, Report: raw, Certs: []results.TEECert{ek, ica, {Role: "ark", DER: s.Ark.Raw}}}
}

// TestGoSevGuestFakeSigner runs the verifier on reports signed by
// go-sev-guest's fake AMD signer, its root injected as a test root here only.
func TestGoSevGuestFakeSigner(t *testing.T) {
	tcb := kds.TCBParts{BlSpl: 2, TeeSpl: 0, SnpSpl: 8, UcodeSpl: 115}
	hwid := chip(0x5e)
	vcek := fakeAMD(t, false, hwid, "", tcb)
	o := tee.Options{VerifierNonce: nonce, EvidenceDigest: digest, TestRoots: &tee.Roots{}}
	o.TestRoots.Add(vcek.Ark, "go-sev-guest fake ARK")

	p, err := tee.Verify(fakeReport(t, vcek, false, hwid, tcb), o)
	if err != nil {
		t.Fatal(err)
	}
	if p.Signer != "VCEK" || !p.TestSigned || p.TCB.SNP != 8 || p.Product != "Milan" {
		t.Errorf("VCEK platform %+v", p)
	}

	vlek := fakeAMD(t, true, nil, "go-sev-guest-csp", tcb)
	o.TestRoots = &tee.Roots{}
	o.TestRoots.Add(vlek.Ark, "go-sev-guest fake ARK")
	p, err = tee.Verify(fakeReport(t, vlek, true, make([]byte, 64), tcb), o)
	if err != nil {
		t.Fatal(err)
	}
	if p.Signer != "VLEK" || p.CSPID != "go-sev-guest-csp" || p.Endorser == "AMD" {
		t.Errorf("VLEK platform %+v", p)
	}

	t.Run("without the injected root the fake chain is not AMD's", func(t *testing.T) {
		_, err := tee.Verify(fakeReport(t, vcek, false, hwid, tcb), tee.Options{VerifierNonce: nonce, EvidenceDigest: digest})
		wantReason(t, err, tee.ReasonChain)
	})
	t.Run("a report from another chip", func(t *testing.T) {
		o.TestRoots = &tee.Roots{}
		o.TestRoots.Add(vcek.Ark, "go-sev-guest fake ARK")
		_, err := tee.Verify(fakeReport(t, vcek, false, chip(0x77), tcb), o)
		wantReason(t, err, tee.ReasonChip)
	})
}
