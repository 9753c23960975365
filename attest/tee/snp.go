package tee

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"fmt"

	"github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/kds"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
	"github.com/google/go-sev-guest/validate"
	"github.com/google/go-sev-guest/verify"
	"github.com/google/go-sev-guest/verify/trust"

	"github.com/sovbench/sovbench/results"
)

// snpReport is a parsed SEV-SNP report with its certificate chain.
type snpReport struct {
	att    *spb.Attestation
	key    abi.ReportSigner
	ek     *x509.Certificate
	exts   *kds.Extensions
	line   string // product line: Milan, Genoa, Turin
	signer string // VCEK or VLEK
}

func verifySNP(d *results.TEEDetails, o Options, want []byte) (*Platform, error) {
	r, err := parseSNP(d)
	if err != nil {
		return nil, err
	}
	// go-sev-guest checks the chain and the report's signature together;
	// only when that fails is the signature checked alone, to name the
	// reason (a report signed by another key is refused as signature, not
	// chain), so an accepted report pays for one P-384 verification.
	root, testRoot, err := snpChain(r, o)
	if err != nil {
		if sigErr := verify.SnpReportSignature(d.Report, r.ek); sigErr != nil {
			return nil, refuse(ReasonSignature, sigErr, "the report is not signed by the %s it names (a report from another chip, or altered)", r.signer)
		}
		return nil, err
	}
	rep := r.att.Report
	if err := checkReportData(rep.GetReportData(), want); err != nil {
		return nil, err
	}
	if err := snpConsistent(r); err != nil {
		return nil, err
	}
	return snpPlatform(r, root, testRoot)
}

// parseSNP parses the report and its endorsement key certificate.
func parseSNP(d *results.TEEDetails) (*snpReport, error) {
	if len(d.Report) != abi.ReportSize {
		return nil, refuse(ReasonInput, nil, "an SEV-SNP report is %d bytes, this one %d", abi.ReportSize, len(d.Report))
	}
	rep, err := abi.ReportToProto(d.Report)
	if err != nil {
		return nil, refuse(ReasonInput, err, "SEV-SNP report does not parse")
	}
	info, err := abi.ParseSignerInfo(rep.GetSignerInfo())
	if err != nil {
		return nil, refuse(ReasonInput, err, "SEV-SNP signer info does not parse")
	}
	chain, err := snpChainProto(d.Certs)
	if err != nil {
		return nil, err
	}
	r := &snpReport{att: &spb.Attestation{Report: rep, CertificateChain: chain}, key: info.SigningKey}
	var der []byte
	switch info.SigningKey {
	case abi.VcekReportSigner:
		r.signer, der = "VCEK", chain.GetVcekCert()
	case abi.VlekReportSigner:
		r.signer, der = "VLEK", chain.GetVlekCert()
	default:
		return nil, refuse(ReasonSignature, nil, "the report is signed by neither a VCEK nor a VLEK (%v)", info.SigningKey)
	}
	if len(der) == 0 {
		return nil, refuse(ReasonChain, nil, "no %s certificate recorded (neither in the extended report nor in a cache)", r.signer)
	}
	if r.ek, err = x509.ParseCertificate(der); err != nil {
		return nil, refuse(ReasonChain, err, "%s certificate does not parse", r.signer)
	}
	if r.exts, err = kds.CertificateExtensions(r.ek, r.key); err != nil {
		return nil, refuse(ReasonChain, err, "%s certificate lacks AMD's KDS extensions", r.signer)
	}
	r.line, err = productLine(rep, r.exts, r.key)
	return r, err
}

// productLine is the report's AMD product line: from CPUID in version 3+
// reports, else from the certificate's product name.
func productLine(rep *spb.Report, exts *kds.Extensions, key abi.ReportSigner) (string, error) {
	if fms := rep.GetCpuid1EaxFms(); fms != 0 {
		return kds.ProductLineFromFms(fms), nil
	}
	p, err := kds.ParseProductName(exts.ProductName, key)
	if err != nil {
		return "", refuse(ReasonChain, err, "certificate product name %q", exts.ProductName)
	}
	return kds.ProductLine(p), nil
}

// snpChainProto sorts the recorded certificates by role.
func snpChainProto(certs []results.TEECert) (*spb.CertificateChain, error) {
	c := &spb.CertificateChain{Extras: map[string][]byte{}}
	// The ASK (VCEK chains) and the ASVK (VLEK chains) share one slot: the
	// intermediate that signed the endorsement key.
	slots := map[string]*[]byte{"vcek": &c.VcekCert, "vlek": &c.VlekCert, "ask": &c.AskCert, "asvk": &c.AskCert, "ark": &c.ArkCert}
	for _, cert := range certs {
		slot, ok := slots[cert.Role]
		if !ok {
			return nil, refuse(ReasonInput, nil, "certificate role %q is not vcek, vlek, ask, asvk or ark", cert.Role)
		}
		if len(*slot) > 0 {
			return nil, refuse(ReasonInput, nil, "two %s certificates recorded (an ASK and an ASVK share a slot)", cert.Role)
		}
		*slot = cert.DER
	}
	return c, nil
}

// snpChain checks the endorsement key's chain: AMD's embedded roots
// first (go-sev-guest never takes an ARK or ASK from the evidence as a
// root), then each test root with the recorded ASK/ASVK as intermediate.
func snpChain(r *snpReport, o Options) (root, testRoot string, err error) {
	amdErr := verify.SnpAttestation(r.att, &verify.Options{DisableCertFetching: true, Now: o.Now})
	if amdErr == nil {
		return "AMD ARK-" + r.line, "", nil
	}
	ica, _ := parseOptional(r.att.CertificateChain.GetAskCert())
	o.TestRoots.each(func(c *x509.Certificate, label string) bool {
		rc := trust.AMDRootCertsProduct(r.line)
		rc.ProductCerts = &trust.ProductCerts{Ark: c, Ask: ica, Asvk: ica}
		opts := &verify.Options{DisableCertFetching: true, Now: o.Now, TrustedRoots: map[string][]*trust.AMDRootCerts{r.line: {rc}}}
		if verify.SnpAttestation(r.att, opts) == nil {
			root, testRoot = c.Subject.CommonName, label
			return true
		}
		return false
	})
	if testRoot != "" {
		return root, testRoot, nil
	}
	return "", "", refuse(ReasonChain, amdErr, "the %s does not chain to AMD's ARK-%s nor to any of %d test roots", r.signer, r.line, o.TestRoots.Len())
}

func parseOptional(der []byte) (*x509.Certificate, error) {
	if len(der) == 0 {
		return nil, nil
	}
	return x509.ParseCertificate(der)
}

// snpConsistent checks what the signature alone does not: the report's
// chip and TCB are the ones its certificate was issued for, and the rest
// of go-sev-guest's consistency checks (committed firmware, VMPL range),
// with a policy that allows everything (claims judge the policy).
func snpConsistent(r *snpReport) error {
	rep := r.att.Report
	if r.key == abi.VcekReportSigner && !allZero(rep.GetChipId()) && !bytes.Equal(rep.GetChipId(), r.exts.HWID) {
		return refuse(ReasonChip, nil, "CHIP_ID %s… is not the HWID %s… its VCEK certifies", hex.EncodeToString(head(rep.GetChipId())), hex.EncodeToString(head(r.exts.HWID)))
	}
	if kds.TCBVersion(rep.GetReportedTcb()) != r.exts.TCBVersion {
		return refuse(ReasonTCB, nil, "REPORTED_TCB %#x is not the %s's TCB %#x", rep.GetReportedTcb(), r.signer, uint64(r.exts.TCBVersion))
	}
	permissive := &validate.Options{
		GuestPolicy: abi.SnpPolicy{Debug: true, SMT: true, MigrateMA: true, CXLAllowed: true},
	}
	if err := validate.SnpAttestation(r.att, permissive); err != nil {
		return refuse(ReasonTCB, err, "the report's TCB and firmware values are inconsistent")
	}
	return nil
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

func snpPlatform(r *snpReport, root, testRoot string) (*Platform, error) {
	rep := r.att.Report
	pol, err := abi.ParseSnpPolicy(rep.GetPolicy())
	if err != nil {
		return nil, refuse(ReasonInput, err, "guest policy")
	}
	parts := kds.DecomposeTCBVersion(kds.TCBVersion(rep.GetReportedTcb()))
	p := &Platform{
		Kind: results.TEESEVSNP, Signer: r.signer, Product: r.line, Root: root,
		TestSigned: testRoot != "", TestRoot: testRoot,
		TCB:         TCB{Bootloader: parts.BlSpl, TEE: parts.TeeSpl, SNP: parts.SnpSpl, Microcode: parts.UcodeSpl},
		Measurement: rep.GetMeasurement(), Debug: pol.Debug,
		Policy: fmt.Sprintf("ABI %d.%d, debug %v, SMT %v, migration agent %v, VMPL %d", pol.ABIMajor, pol.ABIMinor, pol.Debug, pol.SMT, pol.MigrateMA, rep.GetVmpl()),
	}
	switch r.key {
	case abi.VcekReportSigner:
		p.ChipID, p.Endorser = hex.EncodeToString(r.exts.HWID), "AMD"
	case abi.VlekReportSigner:
		p.CSPID, p.Endorser = r.exts.CspID, "AMD and cloud provider "+r.exts.CspID
	}
	if p.TestSigned {
		p.Endorser = "test root " + testRoot
	}
	return p, nil
}
