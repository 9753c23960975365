package egress

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// tlsExpectation is what a genuine certificate chain looks like: signed by
// one of roots (nil: the system roots) and, when pins are set, holding a
// certificate whose SPKI SHA-256 is pinned.
type tlsExpectation struct {
	roots *x509.CertPool
	pins  []string // base64 SHA-256 of SubjectPublicKeyInfo
}

func newTLSExpectation(t probes.TLSExpect) (*tlsExpectation, error) {
	roots, err := t.Roots()
	if err != nil {
		return nil, err
	}
	x := &tlsExpectation{roots: roots}
	for i, p := range t.Pins {
		v, ok := strings.CutPrefix(p, "sha256/")
		if b, err := base64.StdEncoding.DecodeString(v); !ok || err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("tls.pins[%d]: %q is not sha256/<base64 of 32 bytes>", i, p)
		}
		x.pins = append(x.pins, v)
	}
	return x, nil
}

// InterceptedError says a peer presented a certificate chain that is not
// the expected one. Issuer is the (unverified) issuer of its leaf.
type InterceptedError struct {
	Issuer string
	Reason string
}

func (e *InterceptedError) Error() string {
	return fmt.Sprintf("certificate issued by %q: %s", e.Issuer, e.Reason)
}

// config returns a client config that completes the handshake with any
// peer, then checks the chain itself, so what was presented is recorded.
func (x *tlsExpectation) config(serverName string) *tls.Config {
	return &tls.Config{
		ServerName:         serverName,
		InsecureSkipVerify: true, // verified in VerifyConnection, against x
		MinVersion:         tls.VersionTLS12,
		VerifyConnection:   func(cs tls.ConnectionState) error { return x.verify(cs, serverName) },
	}
}

func (x *tlsExpectation) verify(cs tls.ConnectionState, serverName string) error {
	if len(cs.PeerCertificates) == 0 {
		return &InterceptedError{Reason: "no certificate"}
	}
	leaf := cs.PeerCertificates[0]
	opts := x509.VerifyOptions{Roots: x.roots, DNSName: serverName, Intermediates: x509.NewCertPool()}
	for _, c := range cs.PeerCertificates[1:] {
		opts.Intermediates.AddCert(c)
	}
	if ip := net.ParseIP(serverName); ip != nil {
		opts.DNSName = ip.String()
	}
	if x.roots == nil && len(x.pins) > 0 {
		// Pins alone: the presented chain must hold a pinned key.
		if !x.pinned(cs.PeerCertificates) {
			return &InterceptedError{Issuer: leaf.Issuer.String(), Reason: "no certificate presented matches a pin"}
		}
		return nil
	}
	chains, err := leaf.Verify(opts)
	if err != nil {
		return &InterceptedError{Issuer: leaf.Issuer.String(), Reason: err.Error()}
	}
	if len(x.pins) > 0 && !slices.ContainsFunc(chains, x.pinned) {
		return &InterceptedError{Issuer: leaf.Issuer.String(), Reason: "no certificate in the chain matches a pin"}
	}
	return nil
}

// pinned reports whether a verified chain holds a pinned key.
func (x *tlsExpectation) pinned(chain []*x509.Certificate) bool {
	return slices.ContainsFunc(chain, func(c *x509.Certificate) bool {
		sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
		return slices.Contains(x.pins, base64.StdEncoding.EncodeToString(sum[:]))
	})
}

// tlsHandshake connects to addr and completes a TLS handshake for
// serverName. A chain that is not the expected one is tls_intercepted: the
// handshake reached something, which is recorded, but it is not trusted.
func (e *egressProbe) tlsHandshake(at *attempt, addr, serverName string) results.EgressAttempt {
	var d net.Dialer
	raw, err := d.DialContext(at.ctx, "tcp", addr)
	if err != nil {
		return at.done("connect", err)
	}
	defer raw.Close()
	at.a.Phases = &results.Phases{Connect: at.since()}
	c := tls.Client(raw, e.tls.config(serverName))
	err = c.HandshakeContext(at.ctx)
	at.a.Phases.TLS = at.since()
	return e.tlsOutcome(at, err, c.ConnectionState())
}

// tlsOutcome records a handshake's result: ok with the issuer, intercepted
// with the issuer presented, or the classified failure.
func (e *egressProbe) tlsOutcome(at *attempt, err error, cs tls.ConnectionState) results.EgressAttempt {
	var ie *InterceptedError
	if errors.As(err, &ie) {
		at.a.Answer = "issuer " + ie.Issuer
		return at.flag("tls", results.ClassTLSIntercepted, ie.Error())
	}
	if err != nil {
		return at.done("tls", err)
	}
	if len(cs.PeerCertificates) > 0 {
		at.a.Answer = "issuer " + cs.PeerCertificates[0].Issuer.String()
	}
	return at.done("tls", nil)
}
