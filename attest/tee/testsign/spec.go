package testsign

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/results"
)

// Spec says what a test signer's reports claim.
type Spec struct {
	// Kind is results.TEESEVSNP or results.TEETDX.
	Kind string `json:"kind"`
	// VLEK signs SEV-SNP reports with a VLEK for CSPID instead of a VCEK.
	VLEK  bool   `json:"vlek,omitempty"`
	CSPID string `json:"csp_id,omitempty"`
	// ChipID is the SEV-SNP chip's HWID (64 bytes; a VCEK names it).
	ChipID []byte `json:"chip_id,omitempty"`
	// TCB is the SEV-SNP TCB: bootloader, TEE, SNP, microcode SPLs.
	TCB [4]uint8 `json:"tcb"`
	// TEETCBSVN is the TDX TEE_TCB_SVN (16 bytes).
	TEETCBSVN []byte `json:"tee_tcb_svn,omitempty"`
	// Measurement is the launch measurement (48 bytes).
	Measurement []byte `json:"measurement"`
	// Debug sets the debug policy bit (SEV-SNP) or attribute (TDX).
	Debug bool `json:"debug,omitempty"`
}

// Signer signs reports as Spec says, with a chain under its own root.
type Signer struct {
	Spec Spec
	// Root is the test root (ARK or SGX root), Chain the certificates from
	// the signing key's up to and including the root.
	Root  *x509.Certificate
	Chain []*x509.Certificate
	// Key signs SEV-SNP reports (VCEK or VLEK) or TDX QE reports (PCK);
	// AttestKey signs TDX quote bodies.
	Key, AttestKey *ecdsa.PrivateKey
}

// Files of a signer directory.
const (
	specFile   = "signer.json"
	chainFile  = "chain.pem"
	keyFile    = "key.pem"
	attestFile = "attest-key.pem"
	// RootFile is the test root alone, for a suite's test_roots.
	RootFile = "root.pem"
)

// Generate makes a new test signer for spec and writes it to dir.
func Generate(dir string, spec Spec) (*Signer, error) {
	var (
		s   *Signer
		err error
	)
	switch spec.Kind {
	case results.TEESEVSNP:
		s, err = newSNP(spec)
	case results.TEETDX:
		s, err = newTDX(spec)
	default:
		err = fmt.Errorf("unknown TEE kind %q", spec.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("generating a %s test signer: %w", spec.Kind, err)
	}
	return s, s.write(dir)
}

func (s *Signer) write(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("writing test signer: %w", err)
	}
	spec, err := json.MarshalIndent(s.Spec, "", "  ")
	if err != nil {
		return fmt.Errorf("writing test signer: %w", err)
	}
	var chain []byte
	for _, c := range s.Chain {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	files := map[string][]byte{specFile: spec, chainFile: chain,
		RootFile: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Root.Raw})}
	for name, k := range map[string]*ecdsa.PrivateKey{keyFile: s.Key, attestFile: s.AttestKey} {
		if k == nil {
			continue
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return fmt.Errorf("writing test signer: %w", err)
		}
		files[name] = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return fmt.Errorf("writing test signer: %w", err)
		}
	}
	return s.WriteStandIn(dir)
}

// Load reads the test signer Generate wrote to dir.
func Load(dir string) (*Signer, error) {
	s := &Signer{}
	b, err := os.ReadFile(filepath.Join(dir, specFile))
	if err != nil {
		return nil, fmt.Errorf("loading test signer: %w", err)
	}
	if err := json.Unmarshal(b, &s.Spec); err != nil {
		return nil, fmt.Errorf("loading test signer %s: %w", specFile, err)
	}
	if b, err = os.ReadFile(filepath.Join(dir, chainFile)); err != nil {
		return nil, fmt.Errorf("loading test signer: %w", err)
	}
	if s.Chain, err = attest.ParseCertificates(b); err != nil || len(s.Chain) < 3 {
		return nil, fmt.Errorf("loading test signer %s: %d certificates, %v", chainFile, len(s.Chain), err)
	}
	s.Root = s.Chain[len(s.Chain)-1]
	if s.Key, err = loadKey(filepath.Join(dir, keyFile)); err != nil {
		return nil, err
	}
	if s.Spec.Kind == results.TEETDX {
		if s.AttestKey, err = loadKey(filepath.Join(dir, attestFile)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func loadKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("loading test signer key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("loading test signer key %s: no PEM block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("loading test signer key %s: %w", path, err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("loading test signer key %s: %T is not ECDSA", path, k)
	}
	return ek, nil
}

// Report signs a report (SEV-SNP) or quote (TDX) carrying reportData and
// returns it with the certificates a collector would record.
func (s *Signer) Report(reportData [64]byte) ([]byte, []results.TEECert, error) {
	if s.Spec.Kind == results.TEETDX {
		q, err := s.tdxQuote(reportData)
		return q, nil, err
	}
	return s.snpReport(reportData)
}
