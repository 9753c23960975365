package fetch

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/google/go-tdx-guest/abi"
	"github.com/google/go-tdx-guest/verify"

	"github.com/sovbench/sovbench/attest/tee"
	"github.com/sovbench/sovbench/results"
)

// maxFetch bounds one fetched response (certificates and collateral are a
// few kilobytes).
const maxFetch = 1 << 20

// fetcher does HTTP GETs, each with its own deadline, and records them.
type fetcher struct {
	client  *http.Client
	timeout time.Duration
	mu      sync.Mutex
	got     []results.TEECollateral
}

func newFetcher(client *http.Client, timeout time.Duration) *fetcher {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &fetcher{client: client, timeout: timeout}
}

func (f *fetcher) get(ctx context.Context, url string) (map[string][]string, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := f.client.Do(hreq)
	if err != nil {
		return nil, nil, fmt.Errorf("fetching %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxFetch))
	if err != nil {
		return nil, nil, fmt.Errorf("fetching %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("fetching %s: %s", url, resp.Status)
	}
	f.mu.Lock()
	f.got = append(f.got, results.TEECollateral{URL: url, Header: resp.Header, Body: body})
	f.mu.Unlock()
	return resp.Header, body, nil
}

// sevGetter adapts the fetcher to go-sev-guest's getter.
type sevGetter struct{ f *fetcher }

// Get fetches url without a caller context (go-sev-guest prefers GetContext).
func (g *sevGetter) Get(url string) ([]byte, error) { return g.GetContext(context.Background(), url) }

// GetContext fetches url.
func (g *sevGetter) GetContext(ctx context.Context, url string) ([]byte, error) {
	_, b, err := g.f.get(ctx, url)
	return b, err
}

// tdxGetter adapts the fetcher to go-tdx-guest's getter.
type tdxGetter struct{ f *fetcher }

// Get fetches url without a caller context (go-tdx-guest prefers GetContext).
func (g *tdxGetter) Get(url string) (map[string][]string, []byte, error) {
	return g.GetContext(context.Background(), url)
}

// GetContext fetches url.
func (g *tdxGetter) GetContext(ctx context.Context, url string) (map[string][]string, []byte, error) {
	return g.f.get(ctx, url)
}

// tdxCollateral fetches the quote's Intel PCS collateral (TCB info, QE
// identity, PCK and root CRLs) through go-tdx-guest, recording every
// response for the verifier. Whether they verify is the verifier's call.
func tdxCollateral(ctx context.Context, f *fetcher, quote []byte) ([]results.TEECollateral, error) {
	q, err := abi.QuoteToProto(quote)
	if err != nil {
		return nil, fmt.Errorf("reading the quote to fetch its collateral: %w", err)
	}
	// The verification result does not matter here: go-tdx-guest fetches
	// the collateral before it verifies anything.
	pool := x509.NewCertPool()
	pool.AddCert(tee.IntelRoot())
	_ = verify.TdxQuoteContext(ctx, q, &verify.Options{GetCollateral: true, CheckRevocations: true, Getter: &tdxGetter{f: f}, TrustedRoots: pool})
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.got) == 0 {
		return nil, fmt.Errorf("fetching TDX collateral from Intel PCS: nothing fetched")
	}
	return f.got, nil
}
