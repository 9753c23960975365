package rtt

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// tlsServer is a TLS landmark on loopback: its address, the pin of its key
// and the PEM of the CA that certified it for lm.example.
type tlsServer struct {
	addr    netip.AddrPort
	pin     string
	certPin string // the whole certificate's pin (a TLSA 3 0 1 record)
	caPEM   string
}

// startTLSLandmark serves TLS handshakes (at most version max) on loopback
// with a fresh key certified for lm.example by a fresh CA.
func startTLSLandmark(t *testing.T, max uint16) tlsServer {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "lm.example"},
		DNSNames: []string{"lm.example"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(leafDER)
	cfg := &tls.Config{MaxVersion: max, Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: key, Leaf: leaf}}}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				if c.(*tls.Conn).Handshake() == nil {
					io.Copy(io.Discard, c)
				}
			}()
		}
	}()
	return tlsServer{addr: ln.Addr().(*net.TCPAddr).AddrPort(), pin: PinOf(leaf), certPin: CertPinOf(leaf),
		caPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}))}
}

// startRelay accepts TCP on loopback at once (as a box on the host's path
// can) and relays the bytes to target, holding each chunk for delay.
func startRelay(t *testing.T, target netip.AddrPort, delay time.Duration) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 64<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				time.Sleep(delay)
				dst.Write(buf[:n])
			}
			if err != nil {
				dst.Close()
				return
			}
		}
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target.String())
			if err != nil {
				c.Close()
				continue
			}
			go pipe(up, c)
			go pipe(c, up)
		}
	}()
	return ln.Addr().(*net.TCPAddr).AddrPort()
}

func TestHandshakeRTT(t *testing.T) {
	lm := startTLSLandmark(t, tls.VersionTLS13)
	other := startTLSLandmark(t, tls.VersionTLS13)
	old := startTLSLandmark(t, tls.VersionTLS12)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(lm.caPEM))
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		addr  netip.AddrPort
		auth  TLSAuth
		class results.FailureClass // "" = an authenticated sample
	}{
		{"the landmark's pinned key completes the handshake", lm.addr, TLSAuth{Pins: []string{lm.pin}}, ""},
		{"a certificate for the landmark's name from the suite's CA completes it", lm.addr, TLSAuth{ServerName: "lm.example", Roots: roots}, ""},
		{"another server's key is an interception", other.addr, TLSAuth{Pins: []string{lm.pin}}, results.ClassTLSIntercepted},
		{"a certificate from another CA is an interception", other.addr, TLSAuth{ServerName: "lm.example", Roots: roots}, results.ClassTLSIntercepted},
		{"the right CA for the wrong name is an interception", lm.addr, TLSAuth{ServerName: "other.example", Roots: roots}, results.ClassTLSIntercepted},
		{"a server stuck at TLS 1.2 is refused", old.addr, TLSAuth{Pins: []string{old.pin}}, results.ClassTLSError},
		{"the landmark's pinned certificate completes the handshake", lm.addr, TLSAuth{Pins: []string{lm.certPin}}, ""},
		{"another certificate than the pinned one is an interception", other.addr, TLSAuth{Pins: []string{lm.certPin}}, results.ClassTLSIntercepted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := HandshakeRTT(ctx, tc.addr, tc.auth, 2*time.Second)
			if tc.class == "" {
				if err != nil || h.RTT <= 0 || h.Key != lm.pin {
					t.Fatalf("timing %+v, %v (want key %s)", h, err, lm.pin)
				}
				return
			}
			if got := probes.ClassOf(err); got != tc.class {
				t.Fatalf("error %v: class %s, want %s", err, got, tc.class)
			}
			var km *KeyMismatchError
			if tc.class == results.ClassTLSIntercepted && (!errors.As(err, &km) || km.Got != other.pin && km.Got != lm.pin) {
				t.Fatalf("error %v does not name the key that answered", err)
			}
		})
	}
	t.Run("neither pins nor roots is refused before dialling", func(t *testing.T) {
		if _, err := HandshakeRTT(ctx, lm.addr, TLSAuth{ServerName: "lm.example"}, time.Second); err == nil {
			t.Fatal("no error")
		}
	})
}

// A box next to the host can answer the TCP handshake for a landmark at
// once, but it cannot sign for it: the authenticated round trip still
// pays the whole way to the landmark.
func TestHandshakeRTTCannotBeShortenedByARelay(t *testing.T) {
	lm := startTLSLandmark(t, tls.VersionTLS13)
	const delay = 15 * time.Millisecond
	relay := startRelay(t, lm.addr, delay)
	h, err := HandshakeRTT(context.Background(), relay, TLSAuth{Pins: []string{lm.pin}}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// The ClientHello and the server's flight each wait once in the relay.
	if h.RTT < 2*delay {
		t.Fatalf("authenticated round trip %s through a relay holding each way %s", h.RTT, delay)
	}
	t.Logf("connect to the relay %s, authenticated round trip %s", h.Connect, h.RTT)
}

func TestRTTProbeAuthenticatesTLSLandmarks(t *testing.T) {
	lm := startTLSLandmark(t, tls.VersionTLS13)
	tcpPort, _ := echoServers(t)
	landmark := func(pin string) string {
		return fmt.Sprintf("count: 3\ninterval: 1ms\nlandmarks:\n  - {name: \"Bissen,LU\", address: 127.0.0.1, tcp_port: %d, tls: {port: %d, pins: [%q]}}\n",
			tcpPort, lm.addr.Port(), pin)
	}
	t.Run("a landmark with a pin gets an authenticated tls series beside tcp", func(t *testing.T) {
		d := runRTT(t, landmark(lm.pin))
		if len(d.Landmarks) != 2 || d.Landmarks[0].Method != "tcp" || d.Landmarks[0].Authenticated {
			t.Fatalf("series %+v", d.Landmarks)
		}
		s := d.Landmarks[1]
		if s.Method != "tls" || !s.Authenticated || s.Key != lm.pin || len(s.Samples) != 3 || s.Lost != 0 {
			t.Fatalf("tls series %+v", s)
		}
	})
	t.Run("a landmark answering with another key loses every sample as intercepted", func(t *testing.T) {
		wrong := "sha256/" + strings.Repeat("A", 43) + "="
		s := runRTT(t, landmark(wrong)).Landmarks[1]
		if s.Authenticated || s.Lost != 3 || s.Failure == nil || s.Failure.Class != results.ClassTLSIntercepted || s.Key != lm.pin {
			t.Fatalf("tls series %+v", s)
		}
	})
	t.Run("a landmark's tls block needs pins or a CA", func(t *testing.T) {
		_, err := newRTT(yamlDecoder("landmarks: [{name: a, address: 127.0.0.1, lat: 1, lon: 1, tls: {port: 443}}]\n"))
		if err == nil || !strings.Contains(err.Error(), "landmarks[0]: tls.pins: give pins or ca_pem") {
			t.Fatalf("error %v", err)
		}
	})
}
