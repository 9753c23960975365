package testsign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/kds"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/sovbench/sovbench/results"
)

// snpProduct is the product the test signer claims: Milan B1.
var snpProduct = &spb.SevProduct{Name: spb.SevProduct_SEV_PRODUCT_MILAN, MachineStepping: &wrapperspb.UInt32Value{Value: 1}}

// amdName is an AMD-shaped distinguished name (KDS specification).
func amdName(cn string) pkix.Name {
	return pkix.Name{CommonName: cn, Organization: []string{"Advanced Micro Devices"}, OrganizationalUnit: []string{"Engineering"},
		Locality: []string{"Santa Clara"}, Province: []string{"CA"}, Country: []string{"US"}}
}

// newSNP builds ARK → ASK (or ASVK) → VCEK (or VLEK), RSA-PSS SHA-384
// signed as AMD's are, with the KDS extensions of spec.
func newSNP(spec Spec) (*Signer, error) {
	line := kds.ProductLine(snpProduct)
	now := time.Now().Add(-time.Hour)
	arkKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	ark, err := issue(caTemplate(amdName("ARK-"+line), 1, now), arkKey, nil, arkKey)
	if err != nil {
		return nil, err
	}
	icaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	icaName, ekName := "SEV-"+line, "SEV-VCEK"
	if spec.VLEK {
		icaName, ekName = "SEV-VLEK-"+line, "SEV-VLEK"
	}
	ica, err := issue(caTemplate(amdName(icaName), 2, now), icaKey, ark, arkKey)
	if err != nil {
		return nil, err
	}
	ekKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		return nil, err
	}
	exts, err := snpExtensions(spec)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: amdName(ekName), NotBefore: now,
		NotAfter: now.AddDate(7, 0, 0), SignatureAlgorithm: x509.SHA384WithRSAPSS, ExtraExtensions: exts}
	ek, err := issue(tmpl, ekKey, ica, icaKey)
	if err != nil {
		return nil, err
	}
	return &Signer{Spec: spec, Root: ark, Chain: []*x509.Certificate{ek, ica, ark}, Key: ekKey}, nil
}

func caTemplate(name pkix.Name, serial int64, now time.Time) *x509.Certificate {
	return &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: name, NotBefore: now, NotAfter: now.AddDate(25, 0, 0),
		SignatureAlgorithm: x509.SHA384WithRSAPSS, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
}

// issue signs tmpl for pub's key by parent (nil: self-signed with key).
func issue(tmpl *x509.Certificate, key crypto.Signer, parent *x509.Certificate, parentKey crypto.Signer) (*x509.Certificate, error) {
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		return nil, fmt.Errorf("issuing %s: %w", tmpl.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}

// snpExtensions are the KDS extensions of a VCEK (HWID) or VLEK (CSP_ID).
func snpExtensions(spec Spec) ([]pkix.Extension, error) {
	name := kds.ProductName(snpProduct)
	if spec.VLEK {
		name = kds.ProductLine(snpProduct)
	}
	var exts []pkix.Extension
	add := func(id asn1.ObjectIdentifier, v any, params string) {
		b, err := asn1.MarshalWithParams(v, params)
		if err == nil {
			exts = append(exts, pkix.Extension{Id: id, Value: b})
		}
	}
	add(kds.OidStructVersion, 0, "")
	add(kds.OidProductName1, name, "ia5")
	for i, id := range []asn1.ObjectIdentifier{kds.OidBlSpl, kds.OidTeeSpl, kds.OidSnpSpl, kds.OidSpl4, kds.OidSpl5, kds.OidSpl6, kds.OidSpl7} {
		v := 0
		if i < 3 {
			v = int(spec.TCB[i])
		}
		add(id, v, "")
	}
	add(kds.OidUcodeSpl, int(spec.TCB[3]), "")
	if spec.VLEK {
		add(kds.OidCspID, spec.CSPID, "ia5")
	} else {
		if len(spec.ChipID) != abi.ChipIDSize {
			return nil, fmt.Errorf("chip_id is %d bytes, want %d", len(spec.ChipID), abi.ChipIDSize)
		}
		add(kds.OidHwid, spec.ChipID, "")
	}
	return exts, nil
}

// tcbVersion composes the spec's TCB.
func (s Spec) tcbVersion() (uint64, error) {
	v, err := kds.ComposeTCBParts(kds.TCBParts{BlSpl: s.TCB[0], TeeSpl: s.TCB[1], SnpSpl: s.TCB[2], UcodeSpl: s.TCB[3]})
	return uint64(v), err
}

// snpReport signs a version 3 report for reportData with the VCEK or VLEK.
func (s *Signer) snpReport(reportData [64]byte) ([]byte, []results.TEECert, error) {
	tcb, err := s.Spec.tcbVersion()
	if err != nil {
		return nil, nil, err
	}
	key := abi.VcekReportSigner
	chip := s.Spec.ChipID
	if s.Spec.VLEK {
		key, chip = abi.VlekReportSigner, make([]byte, abi.ChipIDSize)
	}
	rep := &spb.Report{
		Version: 3, GuestSvn: 1, Policy: abi.SnpPolicyToBytes(abi.SnpPolicy{ABIMajor: 1, SMT: true, Debug: s.Spec.Debug}),
		FamilyId: make([]byte, 16), ImageId: make([]byte, 16), SignatureAlgo: abi.SignEcdsaP384Sha384,
		CurrentTcb: tcb, ReportedTcb: tcb, CommittedTcb: tcb, LaunchTcb: tcb,
		SignerInfo: abi.ComposeSignerInfo(abi.SignerInfo{SigningKey: key}), ReportData: reportData[:],
		Measurement: pad(s.Spec.Measurement, 48), HostData: make([]byte, 32), IdKeyDigest: make([]byte, 48),
		AuthorKeyDigest: make([]byte, 48), ReportId: make([]byte, 32), ReportIdMa: make([]byte, 32),
		ChipId: chip, CurrentMajor: 1, CurrentMinor: 55, CommittedMajor: 1, CommittedMinor: 55,
		Cpuid1EaxFms: abi.MaskedCpuid1EaxFromSevProduct(snpProduct), Signature: make([]byte, abi.SignatureSize),
	}
	raw, err := abi.ReportToAbiBytes(rep)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding test report: %w", err)
	}
	h := crypto.SHA384.New()
	h.Write(abi.SignedComponent(raw))
	r, sig, err := ecdsa.Sign(rand.Reader, s.Key, h.Sum(nil))
	if err != nil {
		return nil, nil, fmt.Errorf("signing test report: %w", err)
	}
	if err := abi.SetSignature(r, sig, raw); err != nil {
		return nil, nil, fmt.Errorf("signing test report: %w", err)
	}
	ekRole, icaRole := "vcek", "ask"
	if s.Spec.VLEK {
		ekRole, icaRole = "vlek", "asvk"
	}
	return raw, []results.TEECert{
		{Role: ekRole, DER: s.Chain[0].Raw, From: "extended report"},
		{Role: icaRole, DER: s.Chain[1].Raw, From: "extended report"},
		{Role: "ark", DER: s.Chain[2].Raw, From: "extended report"},
	}, nil
}

// CertTable is the SEV-SNP certificate table an extended report carries
// (configfs-tsm's auxblob) for this signer's chain.
func (s *Signer) CertTable() []byte {
	ek := abi.VcekGUID
	if s.Spec.VLEK {
		ek = abi.VlekGUID
	}
	t := &abi.CertTable{Entries: []abi.CertTableEntry{
		{GUID: uuid.MustParse(ek), RawCert: s.Chain[0].Raw},
		{GUID: uuid.MustParse(abi.AskGUID), RawCert: s.Chain[1].Raw},
		{GUID: uuid.MustParse(abi.ArkGUID), RawCert: s.Chain[2].Raw},
	}}
	return t.Marshal()
}

func pad(b []byte, n int) []byte {
	out := make([]byte, n)
	copy(out, b)
	return out
}
