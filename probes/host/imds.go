package host

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// askers says how to ask each flavour of probes.IMDSFlavors; each ask
// function lives in imds_flavors.go.
var askers = map[string]func(ctx context.Context, c *imdsClient, base string, a *results.IMDSAnswer){
	"aws": askAWS, "gce": askGCE, "azure": askAzure, "openstack": askOpenStack,
	"scaleway": askScaleway, "hetzner": askHetzner, "oracle": askOracle,
}

// maxIMDSBody bounds what the probe reads of any metadata answer.
const maxIMDSBody = 256 << 10

// imdsClient makes metadata requests: no proxy (a proxy would carry the
// request off the host), no redirects, one deadline per request.
type imdsClient struct {
	hc      *http.Client
	timeout time.Duration
	rec     *probes.Recorder
}

func newIMDSClient(perRequest time.Duration, rec *probes.Recorder) *imdsClient {
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            (&net.Dialer{Timeout: perRequest}).DialContext,
		DisableKeepAlives:      true,
		ResponseHeaderTimeout:  perRequest,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &imdsClient{
		hc: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		timeout: perRequest, rec: rec,
	}
}

// imdsReply is one HTTP exchange.
type imdsReply struct {
	Status int
	Header http.Header
	Body   []byte
}

// do performs one request with its own deadline and records it. A transport
// failure is returned as a classified failure, never as an error.
func (c *imdsClient) do(ctx context.Context, method, url string, header map[string]string) (imdsReply, *results.Failure) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	began := time.Now()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return imdsReply{}, c.rec.Observe("http", url, began, err, method)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return imdsReply{}, c.rec.Observe("http", url, began, err, method)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxIMDSBody))
	f := c.rec.Observe("http", url, began, err, fmt.Sprintf("%s %d", method, resp.StatusCode))
	return imdsReply{Status: resp.StatusCode, Header: resp.Header, Body: body}, f
}

// queryIMDS asks every enabled flavour concurrently within MetadataTimeout
// and returns one answer per flavour, in table order. A server that never
// answers costs at most the phase deadline.
func queryIMDS(ctx context.Context, p probes.HostParams, rec *probes.Recorder) []results.IMDSAnswer {
	ctx, cancel := context.WithTimeout(ctx, p.MetadataTimeout)
	defer cancel()
	c := newIMDSClient(p.MetadataRequestTimeout, rec)
	defer c.hc.CloseIdleConnections()
	var chosen []probes.IMDSFlavor
	for _, name := range probes.IMDSFlavors() {
		if len(p.MetadataFlavors) == 0 || containsString(p.MetadataFlavors, name) {
			f, _ := probes.IMDSFlavorNamed(name)
			chosen = append(chosen, f)
		}
	}
	out := make([]results.IMDSAnswer, len(chosen))
	var wg sync.WaitGroup
	for i, f := range chosen {
		base := f.BaseURL
		if u, ok := p.MetadataURLs[f.Name]; ok {
			base = u
		}
		base = strings.TrimRight(base, "/")
		wg.Go(func() {
			began := time.Now()
			a := results.IMDSAnswer{Flavor: f.Name, URL: base}
			askers[f.Name](ctx, c, base, &a)
			a.Took = results.Duration(time.Since(began))
			out[i] = a
		})
	}
	wg.Wait()
	return out
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
