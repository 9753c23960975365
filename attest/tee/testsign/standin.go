package testsign

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sovbench/sovbench/attest/tee/collect"
	"github.com/sovbench/sovbench/results"
)

// Where REPORT_DATA and the signature sit in what the signer makes.
const (
	// SEV-SNP report: REPORT_DATA at 0x50; the signature (at 0x2A0)
	// covers the bytes before it.
	snpReportDataAt = 0x50
	snpSignatureAt  = 0x2A0
	// TDX quote v4: a 48-byte header, then the 584-byte TD quote body whose
	// REPORT_DATA is its last 64 bytes; the attestation key signs header
	// and body; after them the signed data's size (4 bytes), then the
	// signature.
	tdxReportDataAt = 48 + 520
	tdxSignedBytes  = 48 + 584
	tdxSignatureAt  = tdxSignedBytes + 4
)

// StandIn returns the stand-in for the CPU that a lab host's collector
// signs with (attest/tee/collect): this signer's report or quote for
// all-zero REPORT_DATA, where REPORT_DATA and the signature go, the key that
// signs, and (SEV-SNP) the certificate table.
func (s *Signer) StandIn() (*collect.StandIn, error) {
	tmpl, _, err := s.Report([64]byte{})
	if err != nil {
		return nil, err
	}
	in := &collect.StandIn{Provider: "sev_guest", Template: tmpl, AuxBlob: s.CertTable(), ReportDataAt: snpReportDataAt,
		SignedBytes: snpSignatureAt, SignatureAt: snpSignatureAt, Signature: collect.SigP384AMD}
	key := s.Key
	if s.Spec.Kind == results.TEETDX {
		in = &collect.StandIn{Provider: "tdx_guest", Template: tmpl, ReportDataAt: tdxReportDataAt,
			SignedBytes: tdxSignedBytes, SignatureAt: tdxSignatureAt, Signature: collect.SigP256Raw}
		key = s.AttestKey
	}
	if in.Key, err = x509.MarshalPKCS8PrivateKey(key); err != nil {
		return nil, fmt.Errorf("writing the stand-in's key: %w", err)
	}
	return in, nil
}

// WriteStandIn writes the stand-in to dir's collect.StandInFile (0600:
// it holds a signing key).
func (s *Signer) WriteStandIn(dir string) error {
	in, err := s.StandIn()
	if err != nil {
		return fmt.Errorf("writing the TEE stand-in: %w", err)
	}
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("writing the TEE stand-in: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, collect.StandInFile), b, 0o600); err != nil {
		return fmt.Errorf("writing the TEE stand-in: %w", err)
	}
	return nil
}
