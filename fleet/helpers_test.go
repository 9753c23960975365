package fleet

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sovbench/sovbench/fleet/agent"
	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/results/store"
)

// testServer is a verifier on 127.0.0.1 (httptest, TLS) and what it uses.
type testServer struct {
	*Server
	http  *httptest.Server
	store Store
	key   *sign.Key
	dir   string
	index *store.Index
	kind  storeKind
	dsn   string // the store's
}

func newTestServer(tb testing.TB) *testServer { tb.Helper(); return newTestServerOf(tb, "testdata") }

// newTestServerOf serves the suites in suitesDir with an SQLite store.
func newTestServerOf(tb testing.TB, suitesDir string) *testServer {
	tb.Helper()
	return newTestServerWith(tb, suitesDir, sqliteKind)
}

// newTestServerWith serves the suites in suitesDir with a store of kind.
func newTestServerWith(tb testing.TB, suitesDir string, kind storeKind) *testServer {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	suites, err := LoadSuites(ctx, suitesDir, limits.Limits{})
	if err != nil {
		tb.Fatal(err)
	}
	key, err := sign.GenerateKey(sign.KeyEd25519)
	if err != nil {
		tb.Fatal(err)
	}
	rdir := filepath.Join(dir, "results")
	if err := mkdir(rdir); err != nil {
		tb.Fatal(err)
	}
	x, err := store.OpenIndex(ctx, rdir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { x.Close() })
	dsn := kind.dsn(tb, dir)
	st := kind.reopen(tb, dsn, x)
	s, err := NewServer(Config{Suites: suites, Key: key, ResultsDir: rdir, Store: st,
		Harness: results.Harness{Name: "sovbench", Version: "test"}, MaxBody: 1 << 20})
	if err != nil {
		tb.Fatal(err)
	}
	h := httptest.NewUnstartedServer(s.Handler())
	h.EnableHTTP2 = true
	// As serve runs it: ServerTLSConfig with a SelfSigned ECDSA certificate
	// (httptest's own is RSA, whose signing would dominate a handshake).
	certPEM, keyPEM, err := SelfSigned([]string{"127.0.0.1"})
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		tb.Fatal(err)
	}
	h.TLS = ServerTLSConfig(cert)
	h.StartTLS()
	tb.Cleanup(h.Close)
	return &testServer{Server: s, http: h, store: st, key: key, dir: rdir, index: x, kind: kind, dsn: dsn}
}

// sibling is a second verifier sharing ts's store (opened anew, as another
// process would) and results directory.
func (ts *testServer) sibling(tb testing.TB) *testServer {
	tb.Helper()
	st := ts.kind.reopen(tb, ts.dsn, ts.index)
	cfg := ts.cfg
	cfg.Store = st
	s, err := NewServer(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	h := httptest.NewTLSServer(s.Handler())
	tb.Cleanup(h.Close)
	sib := *ts
	sib.Server, sib.http, sib.store = s, h, st
	return &sib
}

// client returns a client that trusts the test server's certificate.
func (ts *testServer) client(tb testing.TB) *agent.Client {
	tb.Helper()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.http.Certificate().Raw})
	c, err := agent.NewClient(ts.http.URL, ca)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// enrolled returns a client enrolled as name with a fresh token.
func (ts *testServer) enrolled(tb testing.TB, name string) *agent.Client {
	tb.Helper()
	ctx := context.Background()
	tok, err := ts.store.IssueToken(ctx, Token{TTL: time.Hour})
	if err != nil {
		tb.Fatal(err)
	}
	c := ts.client(tb)
	if _, err := c.Enrol(ctx, tok, name); err != nil {
		tb.Fatal(err)
	}
	return c
}

func mkdir(p string) error { return os.MkdirAll(p, 0o755) }
