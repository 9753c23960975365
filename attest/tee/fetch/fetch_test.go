package fetch

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
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

// TestVCEKChainFromKDS: a report without certificates gets its VCEK chain
// from a KDS (answered on loopback); a report that has them fetches nothing.
func TestVCEKChainFromKDS(t *testing.T) {
	s, err := testsign.Generate(filepath.Join(t.TempDir(), "tee"),
		testsign.Spec{Kind: results.TEESEVSNP, ChipID: bytes.Repeat([]byte{2}, 64), TCB: [4]uint8{3, 0, 14, 209}})
	if err != nil {
		t.Fatal(err)
	}
	rep, certs, err := s.Report(tee.ReportData(bytes.Repeat([]byte{7}, 32), bytes.Repeat([]byte{8}, 32)))
	if err != nil {
		t.Fatal(err)
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
	d := &results.TEEDetails{Kind: results.TEESEVSNP, Report: rep, Certs: certs}
	if err := Complete(context.Background(), d, loopback(t, srv), time.Second); err != nil || len(paths) != 0 || len(d.Certs) != 3 {
		t.Fatalf("a complete chain fetched %v: %+v, %v", paths, d.Certs, err)
	}
	d = &results.TEEDetails{Kind: results.TEESEVSNP, Report: rep}
	if err := Complete(context.Background(), d, loopback(t, srv), time.Second); err != nil {
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
	d := &results.TEEDetails{Kind: results.TEETDX, Report: testdata.RawQuote}
	if err := Complete(context.Background(), d, loopback(t, srv), time.Second); err != nil {
		t.Fatal(err)
	}
	if len(d.Collateral) != 4 {
		t.Errorf("recorded %d responses, want TCB info, QE identity and two CRLs", len(d.Collateral))
	}
}
