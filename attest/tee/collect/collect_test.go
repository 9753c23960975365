package collect

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tdxtest "github.com/google/go-tdx-guest/testing"
	"github.com/google/go-tdx-guest/testing/testdata"

	"github.com/sovbench/sovbench/attest/tee"
	"github.com/sovbench/sovbench/attest/tee/testsign"
	"github.com/sovbench/sovbench/results"
)

var (
	nonce  = bytes.Repeat([]byte{7}, 32)
	digest = func() []byte { d := sha256.Sum256([]byte("other evidence")); return d[:] }()
)

func genSigner(t *testing.T, spec testsign.Spec) (string, *testsign.Signer) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tee")
	s, err := testsign.Generate(dir, spec)
	if err != nil {
		t.Fatal(err)
	}
	return dir, s
}

// TestLabSignerThroughConfigFS: the lab's signer answers through the
// configfs-tsm code path real guests use, and what it returns verifies
// against its test root only.
func TestLabSignerThroughConfigFS(t *testing.T) {
	for _, spec := range []testsign.Spec{
		{Kind: results.TEESEVSNP, ChipID: bytes.Repeat([]byte{1}, 64), TCB: [4]uint8{3, 0, 14, 209}},
		{Kind: results.TEESEVSNP, VLEK: true, CSPID: "Google", TCB: [4]uint8{3, 0, 14, 209}},
		{Kind: results.TEETDX, Measurement: bytes.Repeat([]byte{9}, 48)},
	} {
		t.Run(spec.Kind, func(t *testing.T) {
			dir, s := genSigner(t, spec)
			d, err := Collect(context.Background(), Request{Interface: LabSigner, SignerDir: dir}, tee.ReportData(nonce, digest))
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != spec.Kind || d.Source != LabSigner || !d.TestSigned {
				t.Errorf("evidence %s from %s (%s), test-signed %v", d.Kind, d.Source, d.Provider, d.TestSigned)
			}
			roots := &tee.Roots{}
			roots.Add(s.Root, "lab")
			p, err := tee.Verify(d, tee.Options{VerifierNonce: nonce, EvidenceDigest: digest, TestRoots: roots})
			if err != nil || !p.TestSigned {
				t.Fatalf("verify: %+v, %v", p, err)
			}
			if _, err := tee.Verify(d, tee.Options{VerifierNonce: nonce, EvidenceDigest: digest}); tee.ReasonOf(err) != tee.ReasonChain {
				t.Errorf("without its test root: %v, want a chain refusal", err)
			}
		})
	}
}

func TestNoTEEOnThisHost(t *testing.T) {
	for _, p := range []string{ConfigFSPath, "/dev/sev-guest", "/dev/tdx_guest"} {
		if _, err := os.Stat(p); err == nil {
			t.Skipf("this host has %s", p)
		}
	}
	_, err := Collect(context.Background(), Request{}, [64]byte{})
	if !errors.Is(err, ErrNoTEE) {
		t.Errorf("Collect on a host without a TEE: %v, want ErrNoTEE", err)
	}
}

// loopback returns an HTTP client whose every connection goes to srv (on
// 127.0.0.1), whatever host the URL names: AMD's and Intel's URLs are
// answered here, never dialled.
func loopback(t *testing.T, srv *httptest.Server) *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	addr := srv.Listener.Addr().String()
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		Proxy:           nil,
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "example.com"},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
}

func pemOf(cs ...*x509.Certificate) []byte {
	var b []byte
	for _, c := range cs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}

// TestCertificatesFromCacheThenKDS: a report without a certificate table
// gets its VCEK chain from the cache, else (only when asked) from a KDS.
func TestCertificatesFromCacheThenKDS(t *testing.T) {
	_, s := genSigner(t, testsign.Spec{Kind: results.TEESEVSNP, ChipID: bytes.Repeat([]byte{2}, 64), TCB: [4]uint8{3, 0, 14, 209}})
	rep, _, err := s.Report(tee.ReportData(nonce, digest))
	if err != nil {
		t.Fatal(err)
	}
	bare := func() *results.TEEDetails { return &results.TEEDetails{Kind: results.TEESEVSNP, Report: rep} }

	cache := t.TempDir()
	os.WriteFile(filepath.Join(cache, "vcek.pem"), pemOf(s.Chain[0]), 0o644)
	os.WriteFile(filepath.Join(cache, "cert_chain.pem"), pemOf(s.Chain[1], s.Chain[2]), 0o644)
	d := bare()
	if err := snpCerts(context.Background(), Request{CertCache: cache}, d); err != nil {
		t.Fatal(err)
	}
	if len(d.Certs) != 3 || !strings.HasPrefix(d.Certs[0].From, "cache ") {
		t.Errorf("certificates from the cache: %+v", d.Certs)
	}

	var paths []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		if strings.HasSuffix(r.URL.Path, "/cert_chain") {
			w.Write(pemOf(s.Chain[1], s.Chain[2]))
			return
		}
		w.Write(s.Chain[0].Raw)
	}))
	defer srv.Close()
	d = bare()
	if err := snpCerts(context.Background(), Request{}, d); err != nil || len(d.Certs) != 0 {
		t.Fatalf("without Fetch nothing is fetched: %+v, %v", d.Certs, err)
	}
	if err := snpCerts(context.Background(), Request{Fetch: loopback(t, srv)}, d); err != nil {
		t.Fatal(err)
	}
	if len(d.Certs) != 3 || !strings.HasPrefix(d.Certs[0].From, "AMD KDS") || len(paths) < 2 || !strings.HasPrefix(paths[0], "/vcek/v1/Milan/") {
		t.Errorf("fetched %+v from %v", d.Certs, paths)
	}
}

// TestTDXCollateralFetchIsRecorded: Intel PCS responses are recorded
// whole (headers carry the issuer chains) for the offline verifier.
func TestTDXCollateralFetchIsRecorded(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for url, resp := range tdxtest.TestGetter.Responses {
			if strings.HasSuffix(url, r.URL.RequestURI()) {
				for k, v := range resp.Header {
					w.Header()[k] = v
				}
				w.Write(resp.Body)
				return
			}
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	col, err := tdxCollateral(context.Background(), Request{Fetch: loopback(t, srv)}, testdata.RawQuote)
	if err != nil {
		t.Fatal(err)
	}
	if len(col) != 4 {
		t.Errorf("recorded %d responses, want TCB info, QE identity and two CRLs", len(col))
	}
}
