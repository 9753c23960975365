package attest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"embed"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	ga "github.com/google/go-attestation/attest"

	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/results"
)

//go:embed roots/gce
var gceRoots embed.FS

var oidSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}

// RootStore holds the trusted roots and intermediates for EK and AK
// certificates. Roots added as software (swtpm's local CA) verify chains but
// never make a TPM hardware.
type RootStore struct {
	roots, inter *x509.CertPool
	software     map[[32]byte]string
	labels       map[[32]byte]string
	n            int
}

// NewRootStore returns an empty store.
func NewRootStore() *RootStore {
	return &RootStore{roots: x509.NewCertPool(), inter: x509.NewCertPool(), software: map[[32]byte]string{}, labels: map[[32]byte]string{}}
}

// Len is the number of roots.
func (s *RootStore) Len() int { return s.n }

// Add adds a certificate: self-signed ones become roots, others
// intermediates. label names where it came from.
func (s *RootStore) Add(c *x509.Certificate, label string) {
	if bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil {
		s.roots.AddCert(c)
		s.labels[sha256.Sum256(c.Raw)] = label
		s.n++
		return
	}
	s.inter.AddCert(c)
}

// AddSoftware adds certificates of a software TPM CA (swtpm's local CA):
// chains to them verify, but the TPM is not hardware.
func (s *RootStore) AddSoftware(c *x509.Certificate, label string) {
	s.Add(c, label)
	s.software[sha256.Sum256(c.Raw)] = label
}

// Load adds every certificate (PEM or DER) in the given files or
// directories (*.pem, *.crt, *.cer, *.der). software marks them as a
// software TPM CA.
func (s *RootStore) Load(software bool, paths ...string) error {
	for _, p := range paths {
		files := []string{p}
		if st, err := os.Stat(p); err != nil {
			return fmt.Errorf("loading roots %s: %w", p, err)
		} else if st.IsDir() {
			files = nil
			for _, ext := range []string{"*.pem", "*.crt", "*.cer", "*.der"} {
				m, _ := filepath.Glob(filepath.Join(p, ext))
				files = append(files, m...)
			}
		}
		for _, f := range files {
			b, err := limits.Limits{}.ReadFile(context.Background(), limits.KeyBytes, f)
			if err != nil {
				return fmt.Errorf("loading roots %s: %w", f, err)
			}
			if err := s.addBytes(b, f, software); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *RootStore) addBytes(b []byte, name string, software bool) error {
	certs, err := ParseCertificates(b)
	if err != nil {
		return fmt.Errorf("loading roots %s: %w", name, err)
	}
	for _, c := range certs {
		if software {
			s.AddSoftware(c, name)
		} else {
			s.Add(c, name)
		}
	}
	return nil
}

// ParseCertificates parses PEM blocks of type CERTIFICATE, or one DER
// certificate.
func ParseCertificates(b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parsing certificate %d: %w", len(out)+1, err)
		}
		out = append(out, c)
	}
	if len(out) > 0 {
		return out, nil
	}
	c, err := x509.ParseCertificate(b)
	if err != nil {
		return nil, fmt.Errorf("parsing certificate: %w", err)
	}
	return []*x509.Certificate{c}, nil
}

// GCERoots returns a store with Google's vTPM EK/AK roots (copied from
// go-tpm-tools, see roots/README.md).
func GCERoots() *RootStore {
	s := NewRootStore()
	s.AddFS(gceRoots, "gce")
	return s
}

// AddFS adds the certificates embedded in fsys, labelled label.
func (s *RootStore) AddFS(fsys fs.FS, label string) {
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if b, err := fs.ReadFile(fsys, p); err == nil {
			_ = s.addBytes(b, label+":"+filepath.Base(p), false)
		}
		return nil
	})
}

// Chain is the verified EK or AK certificate chain.
type Chain struct {
	Subject string `json:"subject"`
	Issuer  string `json:"issuer"`
	Root    string `json:"root"`
	// RootLabel is the file or bundle the root came from.
	RootLabel string `json:"root_label"`
	// Software is set when the root is a software TPM CA.
	Software bool `json:"software"`
	// Organization is the root's (or issuer's) organization: the TPM maker,
	// or for a cloud vTPM the operator.
	Organization string `json:"organization,omitempty"`
}

// VerifyCert checks that der chains to a root of s, tolerating what TPM
// certificates carry (as go-tpm-tools does): a critical subjectAltName with
// only a directoryName, and the EK extended key usage 2.23.133.8.1.
func (s *RootStore) VerifyCert(der []byte, now time.Time) (*Chain, error) {
	c, err := ga.ParseEKCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing certificate: %w", err)
	}
	var unhandled []asn1.ObjectIdentifier
	for _, ext := range c.UnhandledCriticalExtensions {
		if !ext.Equal(oidSubjectAltName) {
			unhandled = append(unhandled, ext)
		}
	}
	c.UnhandledCriticalExtensions = unhandled
	chains, err := c.Verify(x509.VerifyOptions{
		Roots: s.roots, Intermediates: s.inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return nil, err
	}
	ch := chains[0]
	root := ch[len(ch)-1]
	fp := sha256.Sum256(root.Raw)
	_, sw := s.software[fp]
	org := strings.Join(root.Subject.Organization, ", ")
	if org == "" {
		org = strings.Join(c.Issuer.Organization, ", ")
	}
	return &Chain{Subject: c.Subject.String(), Issuer: c.Issuer.String(), Root: root.Subject.String(), RootLabel: s.labels[fp], Software: sw, Organization: org}, nil
}

// verifyEK checks the activation EK's certificate and decides Hardware.
func verifyEK(d *results.TPMDetails, o Options, p *Platform) error {
	chain, err := checkEKCert(d.EKs[0], o)
	if err != nil {
		if !o.AllowUnverifiedEK {
			return err
		}
		p.EKUnverified = err.Error()
	}
	p.EK = chain
	sw := softwareTPM(d.Manufacturer, d.VendorInfo)
	switch {
	case d.Simulated:
		p.NotHardware = "simulated TPM (" + d.Kind + ")"
	case sw != "":
		p.NotHardware = "software TPM: " + sw
	case p.EK == nil:
		p.NotHardware = "EK chain not verified"
	case p.EK.Software:
		p.NotHardware = "EK chains to a software TPM CA (" + p.EK.RootLabel + ")"
	default:
		p.Hardware = true
	}
	return nil
}

func checkEKCert(ek results.TPMEK, o Options) (*Chain, error) {
	if len(ek.Certificate) == 0 {
		return nil, &EKChainError{Reason: "the TPM has no EK certificate in NV"}
	}
	cert, err := ga.ParseEKCertificate(ek.Certificate)
	if err != nil {
		return nil, &EKChainError{Reason: "EK certificate does not parse", Err: err}
	}
	pub, err := x509.ParsePKIXPublicKey(ek.Public)
	if err != nil || !samePublic(cert.PublicKey, pub) {
		return nil, &EKChainError{Reason: "EK certificate is for another key"}
	}
	if o.Roots == nil || o.Roots.Len() == 0 {
		return nil, &EKChainError{Reason: "no trusted roots configured"}
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	chain, err := o.Roots.VerifyCert(ek.Certificate, now)
	if err != nil {
		return nil, &EKChainError{Reason: "EK certificate does not chain to a trusted root", Err: err}
	}
	return chain, nil
}
