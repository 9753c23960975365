package tee

import (
	"crypto/x509"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sovbench/sovbench/attest"
)

// intelRootPEM is Intel's SGX Root CA, the root of every TDX PCK chain
// (copied from go-tdx-guest's verify/trusted_root.pem; see roots/README.md).
//
//go:embed roots/intel_sgx_root_ca.pem
var intelRootPEM []byte

var intelRoot = func() *x509.Certificate {
	cs, err := attest.ParseCertificates(intelRootPEM)
	if err != nil || len(cs) != 1 {
		panic("tee: embedded Intel root does not parse")
	}
	return cs[0]
}()

// IntelRoot returns the embedded Intel SGX Root CA certificate.
func IntelRoot() *x509.Certificate { return intelRoot }

// Roots are test roots: self-signed certificates of test signers (an ARK
// for SEV-SNP, an SGX root for TDX) that chains may end at. A chain to one
// verifies, but the Platform says TestSigned and names the root's label.
// AMD's and Intel's roots are always trusted and need not be listed. The
// zero value is empty and usable.
type Roots struct {
	certs  []*x509.Certificate
	labels []string
}

// Add adds a test root under a label (its file, say).
func (r *Roots) Add(c *x509.Certificate, label string) {
	r.certs = append(r.certs, c)
	r.labels = append(r.labels, label)
}

// Len is the number of test roots.
func (r *Roots) Len() int {
	if r == nil {
		return 0
	}
	return len(r.certs)
}

// Load adds every certificate (PEM or DER) in the given files or
// directories (*.pem, *.crt, *.cer, *.der), labelled by file.
func (r *Roots) Load(paths ...string) error {
	for _, p := range paths {
		files := []string{p}
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("loading TEE test roots %s: %w", p, err)
		}
		if st.IsDir() {
			files = nil
			for _, ext := range []string{"*.pem", "*.crt", "*.cer", "*.der"} {
				m, _ := filepath.Glob(filepath.Join(p, ext))
				files = append(files, m...)
			}
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("loading TEE test roots %s: %w", f, err)
			}
			cs, err := attest.ParseCertificates(b)
			if err != nil {
				return fmt.Errorf("loading TEE test roots %s: %w", f, err)
			}
			for _, c := range cs {
				r.Add(c, f)
			}
		}
	}
	return nil
}

// AddPEM adds every certificate in PEM (or one DER certificate) under
// label.
func (r *Roots) AddPEM(b []byte, label string) error {
	cs, err := attest.ParseCertificates(b)
	if err != nil {
		return fmt.Errorf("reading TEE test roots %s: %w", label, err)
	}
	for _, c := range cs {
		r.Add(c, label)
	}
	return nil
}

// each calls f for every test root until it returns true.
func (r *Roots) each(f func(c *x509.Certificate, label string) bool) {
	if r == nil {
		return
	}
	for i, c := range r.certs {
		if f(c, r.labels[i]) {
			return
		}
	}
}
