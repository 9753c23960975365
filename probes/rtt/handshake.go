package rtt

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// TLSAuth says which server may complete an authenticated round trip: the
// holder of a pinned key, or of a certificate for ServerName that chains to
// Roots. At least one of Pins and Roots must be set. Roots come from the
// suite, never from the audited host's own trust store: the host's operator
// controls that store and could add a CA of its own.
type TLSAuth struct {
	// ServerName is sent as SNI and, with Roots, must be named by the
	// certificate.
	ServerName string
	// Pins are "sha256/<base64 SHA-256 of the leaf's SubjectPublicKeyInfo>";
	// the leaf key must match one of them.
	Pins []string
	// Roots, when set, must anchor the server's chain for ServerName.
	Roots *x509.CertPool
}

// HandshakeTiming is one authenticated round trip.
type HandshakeTiming struct {
	// RTT runs from the moment the ClientHello is written to the moment
	// the read that completed the server's first flight (ServerHello …
	// CertificateVerify, Finished) returned. The flight carries a signature
	// over a transcript that includes this handshake's fresh client random,
	// so only the key holder could send it: nothing nearer than the real
	// server can answer for it. It includes the server's signing time, so
	// it is an upper bound of the network round trip.
	RTT time.Duration
	// Connect is the TCP handshake before it (not authenticated: anything
	// on the path can answer a SYN).
	Connect time.Duration
	// Key is the pin of the leaf key that signed ("sha256/…").
	Key string
}

// KeyMismatchError is returned when the server's key or chain is not the
// one TLSAuth allows: something other than the landmark answered.
type KeyMismatchError struct {
	Got    string // pin of the key the server presented
	Reason string
}

func (e *KeyMismatchError) Error() string {
	return fmt.Sprintf("server key %s is not the landmark's: %s", e.Got, e.Reason)
}

// PinOf returns the "sha256/<base64>" pin of a certificate's public key.
func PinOf(c *x509.Certificate) string {
	sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return "sha256/" + base64.StdEncoding.EncodeToString(sum[:])
}

// CertPinOf returns the "cert-sha256/<base64>" pin of a whole certificate
// (DER), as a DANE TLSA record with selector 0 and matching type 1 names it.
func CertPinOf(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return "cert-sha256/" + base64.StdEncoding.EncodeToString(sum[:])
}

// HandshakeRTT times one TLS 1.3 handshake with the server at addr and
// checks that the server is the one auth names; an error means no
// authenticated round trip was measured (a *KeyMismatchError, wrapped in a
// *tls.CertificateVerificationError, when another key answered). The
// connection is closed before it returns. Sessions are never resumed, so
// every handshake is signed afresh; TLS 1.2 is refused, as its key exchange
// does not always sign the client's random. Sockets are non-blocking and
// timed around poll(2), as the other samplers are, so no goroutine wake-up
// sits inside the sample. timeout bounds the whole exchange, as does ctx.
//
// This is the authenticated timing the location claims rest on: a network
// that answers TCP or ICMP for a landmark from nearby cannot shorten it.
func HandshakeRTT(ctx context.Context, addr netip.AddrPort, auth TLSAuth, timeout time.Duration) (HandshakeTiming, error) {
	if len(auth.Pins) == 0 && auth.Roots == nil {
		return HandshakeTiming{}, errors.New("timing a handshake: neither pins nor roots to check the server against")
	}
	dl := sampleDeadline(ctx, timeout)
	fd, t0, err := connectFD(ctx, addr, dl)
	if err != nil {
		return HandshakeTiming{}, err
	}
	c := &timedConn{ctx: ctx, fd: fd, deadline: dl, remote: addr}
	defer c.Close()
	connect := time.Since(t0)
	var key string
	cfg := &tls.Config{
		ServerName: auth.ServerName, MinVersion: tls.VersionTLS13,
		CurvePreferences:       []tls.CurveID{tls.X25519}, // one small key share: one segment each way
		SessionTicketsDisabled: true,
		InsecureSkipVerify:     true, // checked by VerifyConnection, against pins or the suite's roots only
		VerifyConnection: func(cs tls.ConnectionState) error {
			k, err := auth.verify(cs)
			key = k
			return err
		},
	}
	tc := tls.Client(c, cfg)
	if err := tc.Handshake(); err != nil {
		return HandshakeTiming{}, fmt.Errorf("tls handshake with %s: %w", addr, err)
	}
	if c.firstWrite.IsZero() || c.lastRead.Before(c.firstWrite) {
		return HandshakeTiming{}, fmt.Errorf("tls handshake with %s: no server flight was timed", addr)
	}
	return HandshakeTiming{RTT: c.lastRead.Sub(c.firstWrite), Connect: connect, Key: key}, nil
}

// verify checks the server's leaf against the pins and its chain against
// the roots, returning the leaf's pin.
func (a TLSAuth) verify(cs tls.ConnectionState) (string, error) {
	if len(cs.PeerCertificates) == 0 {
		return "", errors.New("server sent no certificate")
	}
	leaf := cs.PeerCertificates[0]
	got := PinOf(leaf)
	mismatch := func(reason string) error {
		return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates,
			Err: &KeyMismatchError{Got: got, Reason: reason}}
	}
	if cs.Version != tls.VersionTLS13 {
		return got, mismatch("not TLS 1.3")
	}
	if len(a.Pins) > 0 && !slices.Contains(a.Pins, got) && !slices.Contains(a.Pins, CertPinOf(leaf)) {
		return got, mismatch("matches no pin")
	}
	if a.Roots != nil {
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: a.ServerName, Roots: a.Roots, Intermediates: inter}); err != nil {
			return got, mismatch(err.Error())
		}
	}
	return got, nil
}

// tlsSampler takes authenticated samples (HandshakeRTT) of one landmark
// and remembers the last key that answered.
type tlsSampler struct {
	to      netip.AddrPort
	auth    TLSAuth
	timeout time.Duration
	key     string
}

func (s *tlsSampler) Close() error { return nil }

func (s *tlsSampler) Sample(ctx context.Context, _ int) (time.Duration, error) {
	h, err := HandshakeRTT(ctx, s.to, s.auth, s.timeout)
	var km *KeyMismatchError
	switch {
	case err == nil:
		s.key = h.Key
	case errors.As(err, &km):
		s.key = km.Got
	}
	return h.RTT, err
}
