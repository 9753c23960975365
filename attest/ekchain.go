package attest

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sovbench/sovbench/results"
)

var oidSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}

// Chain is one verified path from an EK or AK certificate to a trust anchor.
type Chain struct {
	Root *Root
	// Length counts the certificates of the path, leaf and anchor included.
	Length int
	// Expired names the certificates of the path (leaf and anchor included)
	// that had expired at the evaluation time: the path then verified at
	// the time the leaf was issued, when they were all valid.
	Expired []string
}

// VerifyCert returns every path from der to a usable anchor of s, one per
// anchor, shortest first and then by the anchor's digest (so the choice is
// the same on every machine with the same anchors). The certificate is
// checked at at; a path through a certificate that had expired by then is
// accepted when it verifies at the leaf's issue time, and says so in
// Expired. It tolerates what TPM certificates carry (as go-tpm-tools does):
// a critical subjectAltName with only a directoryName, and the EK extended
// key usage 2.23.133.8.1.
func (s *RootStore) VerifyCert(der []byte, at time.Time) (*x509.Certificate, []Chain, error) {
	c, err := s.certs.parse(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parsing certificate: %w", err)
	}
	if s.Len() == 0 {
		return c, nil, errNoRoots
	}
	opts := x509.VerifyOptions{Roots: s.pool, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	paths, err := c.Verify(opts)
	if err != nil {
		opts.CurrentTime = c.NotBefore
		var err2 error
		if paths, err2 = c.Verify(opts); err2 != nil {
			return c, nil, err
		}
	}
	var out []Chain
	for _, p := range paths {
		r := s.anchors[sha256Hex(p[len(p)-1].Raw)]
		if r == nil || slices.ContainsFunc(out, func(o Chain) bool { return o.Root == r }) {
			continue
		}
		ch := Chain{Root: r, Length: len(p)}
		for _, pc := range p {
			if at.After(pc.NotAfter) {
				ch.Expired = append(ch.Expired, fmt.Sprintf("%s (expired %s)", pc.Subject, pc.NotAfter.UTC().Format(time.DateOnly)))
			}
		}
		out = append(out, ch)
	}
	slices.SortStableFunc(out, func(a, b Chain) int {
		if a.Length != b.Length {
			return a.Length - b.Length
		}
		return strings.Compare(a.Root.SHA256, b.Root.SHA256)
	})
	if err != nil {
		// Verified only at issue time: keep the paths that expiry explains;
		// anything else (a CA not yet valid at) is not ours to excuse.
		out = slices.DeleteFunc(out, func(c Chain) bool { return len(c.Expired) == 0 })
		if len(out) == 0 {
			return c, nil, err
		}
	}
	return c, out, nil
}

// Endorsement is what the EK certificate's chains say about the TPM. Which
// chain a claim uses (a suite may pin or exclude anchors) and hence what the
// TPM is, is Platform.Classify's decision.
type Endorsement struct {
	// EKSubject and EKIssuer are the EK certificate's, when it parses.
	EKSubject, EKIssuer string
	// Chains are the verified paths to trusted anchors (VerifyCert's order).
	Chains []Chain
	// Unverified says why there is no chain.
	Unverified string
}

// endorse checks the activation EK's certificate against o.Roots.
func endorse(d *results.TPMDetails, o Options) *Endorsement {
	e := &Endorsement{}
	ek := d.EKs[0]
	if len(ek.Certificate) == 0 {
		e.Unverified = "the TPM has no EK certificate in NV"
		if ek.CertificateURL != "" {
			e.Unverified += " (its maker publishes it online; sovbench does not fetch it)"
		}
		return e
	}
	pub, err := x509.ParsePKIXPublicKey(ek.Public)
	if err != nil {
		e.Unverified = "EK public key does not parse"
		return e
	}
	cert, chains, err := o.Roots.VerifyCert(ek.Certificate, o.now())
	if cert != nil {
		e.EKSubject, e.EKIssuer = cert.Subject.String(), cert.Issuer.String()
	}
	switch {
	case cert == nil:
		e.Unverified = "EK certificate does not parse: " + err.Error()
	case !samePublic(cert.PublicKey, pub):
		e.Unverified = "EK certificate is for another key"
	case err != nil:
		e.Unverified = "EK certificate does not chain to a trusted root: " + err.Error()
	default:
		e.Chains = chains
	}
	return e
}

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// checkEKCert returns an *EKChainError when e has no chain.
func checkEKCert(e *Endorsement) error {
	if len(e.Chains) > 0 {
		return nil
	}
	return &EKChainError{Reason: e.Unverified}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
