package egress

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"

	"github.com/quic-go/quic-go"
)

// quicServer runs a real quic-go server on loopback with a certificate of
// the test CA and returns its address.
func quicServer(t *testing.T, ca *testCA, alpn string) string {
	t.Helper()
	cert := ca.leaf(t, "quic.lab.test")
	ln, err := quic.ListenAddr("127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{alpn}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept(context.Background())
			if err != nil {
				return
			}
			c.CloseWithError(0, "bye")
		}
	}()
	return ln.Addr().String()
}

// versionNegotiator answers every long-header packet with a Version
// Negotiation packet addressed to its sender's connection IDs.
func versionNegotiator(b []byte) []byte {
	_, dcid, scid, ok := longHeader(b)
	if !ok {
		return nil
	}
	out := []byte{0x80, 0, 0, 0, 0, byte(len(scid))}
	out = append(out, scid...)
	out = append(out, byte(len(dcid)))
	out = append(out, dcid...)
	return append(out, 0x1a, 0x2a, 0x3a, 0x4a)
}

func TestEgressQUICCountsAnyQUICAnswerAndOnlyThat(t *testing.T) {
	ca := newTestCA(t, "Lab Provider CA")
	cases := []struct {
		name, addr, class, answer string
	}{
		{"a QUIC server whose ALPN we speak answers", quicServer(t, ca, "h3"), "ok", "QUIC "},
		{"a QUIC server that refuses our ALPN still answers (its CONNECTION_CLOSE rides an Initial)", quicServer(t, ca, "other"), "ok", "QUIC "},
		{"a version negotiation is an answer", udpServer(t, "127.0.0.1", versionNegotiator), "ok", "QUIC version negotiation"},
		{"an echo of our Initial is not a QUIC answer", udpServer(t, "127.0.0.1", func(b []byte) []byte { return b }), "timeout", ""},
		{"a silent server is a timeout", udpServer(t, "127.0.0.1", func([]byte) []byte { return nil }), "timeout", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := oneAttempt(t, "quic", c.addr, "")
			if a.Class != c.class || a.Reachable != (c.class == "ok") || !strings.HasPrefix(a.Answer, c.answer) {
				t.Fatalf("class %s reachable %v answer %q, want %s %q (%v)", a.Class, a.Reachable, a.Answer, c.class, c.answer, a.Failure)
			}
		})
	}
}

func TestQUICAnswerChecksTheConnectionID(t *testing.T) {
	ours := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	initial := append([]byte{0xc0, 0, 0, 0, 1, 8}, ours...)
	initial = append(initial, 0)
	other := append([]byte{0xc0, 0, 0, 0, 1, 8}, 9, 9, 9, 9, 9, 9, 9, 9, 0)
	if k := quicAnswer(initial, ours); k != "initial" {
		t.Errorf("an Initial to our connection ID is %q", k)
	}
	if k := quicAnswer(other, ours); k != "" {
		t.Errorf("an Initial to another connection ID is %q", k)
	}
	if k := quicAnswer([]byte("SOVBENCH-EGRESS x"), ours); k != "" {
		t.Errorf("a token datagram is %q", k)
	}
}
