package tee

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	_ "embed"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"

	tdxabi "github.com/google/go-tdx-guest/abi"
	tdxpb "github.com/google/go-tdx-guest/proto/tdx"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/results"
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

// Merge adds every test root of o.
func (r *Roots) Merge(o *Roots) {
	o.each(func(c *x509.Certificate, label string) bool { r.Add(c, label); return false })
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
			b, err := limits.Limits{}.ReadFile(context.Background(), limits.KeyBytes, f)
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

// Fingerprint names a certificate by the SHA-256 of its DER:
// "sha256:<64 hex digits>", the form a suite lists a test root in.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// CarriedRoot is the root certificate the evidence itself carries (the ARK
// of an SEV-SNP chain, the last certificate of a TDX quote's PCK chain), or
// nil. It is UNVERIFIED: a caller may trust it only as a test root it
// recognises (by Fingerprint), never as AMD's or Intel's.
func CarriedRoot(d *results.TEEDetails) *x509.Certificate {
	if d.Kind == results.TEESEVSNP {
		for _, c := range d.Certs {
			if c.Role == "ark" {
				r, _ := x509.ParseCertificate(c.DER)
				return r
			}
		}
		return nil
	}
	parsed, err := tdxabi.QuoteToProto(d.Report)
	q, ok := parsed.(*tdxpb.QuoteV4)
	if err != nil || !ok {
		return nil
	}
	rest := q.GetSignedData().GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain()
	var last *x509.Certificate
	for {
		var blk *pem.Block
		if blk, rest = pem.Decode(rest); blk == nil {
			return last
		}
		if c, err := x509.ParseCertificate(blk.Bytes); err == nil {
			last = c
		}
	}
}
