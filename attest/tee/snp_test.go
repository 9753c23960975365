package tee_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/attest/tee"
	"github.com/sovbench/sovbench/attest/tee/testsign"
	"github.com/sovbench/sovbench/results"
)

func TestSNPTestSignedVCEK(t *testing.T) {
	s := signer(t, "vcek-a", vcekSpec(0xa))
	p, err := tee.Verify(evidence(t, s), opts(s))
	if err != nil {
		t.Fatal(err)
	}
	if !p.TestSigned || p.Signer != "VCEK" || p.ChipID != hex.EncodeToString(chip(0xa)) || p.Product != "Milan" {
		t.Errorf("platform %+v", p)
	}
	if p.TCB.Bootloader != 3 || p.TCB.SNP != 14 || p.TCB.Microcode != 209 || p.Debug {
		t.Errorf("TCB %+v debug %v", p.TCB, p.Debug)
	}
	if w := p.Word(); !strings.Contains(w, "test signer") || !strings.Contains(w, "not AMD") {
		t.Errorf("word %q does not say the report is test-signed", w)
	}
}

func TestSNPTestSignedVLEKNamesTheCloud(t *testing.T) {
	s := signer(t, "vlek", testsign.Spec{Kind: results.TEESEVSNP, VLEK: true, CSPID: "Google", TCB: [4]uint8{3, 0, 14, 209}})
	p, err := tee.Verify(evidence(t, s), opts(s))
	if err != nil {
		t.Fatal(err)
	}
	if p.Signer != "VLEK" || p.CSPID != "Google" || p.ChipID != "" {
		t.Errorf("platform %+v", p)
	}
}

// TestSNPRefusals: every way a lying host could present an SEV-SNP report
// is refused with a named reason.
func TestSNPRefusals(t *testing.T) {
	a := signer(t, "vcek-a", vcekSpec(0xa))
	b := signer(t, "vcek-b", vcekSpec(0xb))
	other := signer(t, "vcek-other-root", vcekSpec(0xa))
	cases := []struct {
		name   string
		ev     func() *results.TEEDetails
		o      tee.Options
		reason string
	}{
		{"a test-signed report without its test root is not AMD's", func() *results.TEEDetails { return evidence(t, a) }, opts(), tee.ReasonChain},
		{"a chain to another root than the listed one", func() *results.TEEDetails { return evidence(t, a) }, opts(other), tee.ReasonChain},
		{"report data for another nonce (a replayed report)", func() *results.TEEDetails {
			return evidence(t, a, tee.ReportData(bytes.Repeat([]byte{1}, 32), digest))
		}, opts(a), tee.ReasonReportData},
		{"report data for other evidence", func() *results.TEEDetails {
			return evidence(t, a, tee.ReportData(nonce, bytes.Repeat([]byte{2}, 32)))
		}, opts(a), tee.ReasonReportData},
		{"a report from another chip under this chip's VCEK", func() *results.TEEDetails {
			ev := evidence(t, b)
			ev.Certs = evidence(t, a).Certs
			return ev
		}, opts(a, b), tee.ReasonSignature},
		{"a measurement changed after signing", func() *results.TEEDetails {
			ev := evidence(t, a)
			ev.Report[0x90] ^= 1
			return ev
		}, opts(a), tee.ReasonSignature},
		{"CHIP_ID is not the VCEK's HWID", func() *results.TEEDetails {
			ev := evidence(t, a)
			ev.Report = resign(t, ev.Report, a.Key, func(r []byte) { copy(r[0x1A0:0x1E0], chip(0xb)) })
			return ev
		}, opts(a), tee.ReasonChip},
		{"REPORTED_TCB is not the VCEK's TCB", func() *results.TEEDetails {
			ev := evidence(t, a)
			ev.Report = resign(t, ev.Report, a.Key, func(r []byte) { binary.LittleEndian.PutUint64(r[0x180:], 0x0100000000000001) })
			return ev
		}, opts(a), tee.ReasonTCB},
		{"no VCEK recorded", func() *results.TEEDetails { ev := evidence(t, a); ev.Certs = ev.Certs[1:]; return ev }, opts(a), tee.ReasonChain},
		{"a truncated report", func() *results.TEEDetails { ev := evidence(t, a); ev.Report = ev.Report[:100]; return ev }, opts(a), tee.ReasonInput},
		{"no verifier nonce", func() *results.TEEDetails { return evidence(t, a) }, tee.Options{EvidenceDigest: digest}, tee.ReasonInput},
		{"an unknown kind", func() *results.TEEDetails { ev := evidence(t, a); ev.Kind = "sgx"; return ev }, opts(a), tee.ReasonInput},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := tee.Verify(c.ev(), c.o)
			if p != nil {
				t.Errorf("a refused report returned a platform %+v", p)
			}
			wantReason(t, err, c.reason)
		})
	}
}
