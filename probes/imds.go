package probes

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sovbench/sovbench/results"
)

// imdsFlavor is one instance-metadata protocol: its real base URL and how to
// ask it. The table is data; each ask function lives in imds_flavors.go.
type imdsFlavor struct {
	Name    string
	BaseURL string // the real link-local default
	Ref     string
	ask     func(ctx context.Context, c *imdsClient, base string, a *results.IMDSAnswer)
}

// imdsFlavors lists every flavour, in report order.
var imdsFlavors = []imdsFlavor{
	{"aws", "http://169.254.169.254", "AWS docs: IMDSv2 (PUT /latest/api/token)", askAWS},
	{"gce", "http://169.254.169.254", "GCE docs: metadata server, Metadata-Flavor: Google", askGCE},
	{"azure", "http://169.254.169.254", "Azure docs: Instance Metadata Service, Metadata: true", askAzure},
	{"openstack", "http://169.254.169.254", "OpenStack Nova metadata: /openstack/latest/meta_data.json", askOpenStack},
	{"scaleway", "http://169.254.42.42", "Scaleway docs: /conf?format=json", askScaleway},
	{"hetzner", "http://169.254.169.254", "Hetzner Cloud docs: /hetzner/v1/metadata", askHetzner},
	{"oracle", "http://169.254.169.254", "OCI docs: /opc/v2/ with Authorization: Bearer Oracle", askOracle},
}

// IMDSFlavors lists the flavour names, in report order.
func IMDSFlavors() []string {
	out := make([]string, len(imdsFlavors))
	for i, f := range imdsFlavors {
		out[i] = f.Name
	}
	return out
}

func flavorNamed(name string) (imdsFlavor, bool) {
	for _, f := range imdsFlavors {
		if f.Name == name {
			return f, true
		}
	}
	return imdsFlavor{}, false
}

func flavorList() string { return strings.Join(IMDSFlavors(), ", ") }

// maxIMDSBody bounds what the probe reads of any metadata answer.
const maxIMDSBody = 256 << 10

// imdsClient makes metadata requests: no proxy (a proxy would carry the
// request off the host), no redirects, one deadline per request.
type imdsClient struct {
	hc      *http.Client
	timeout time.Duration
	rec     *Recorder
}

func newIMDSClient(perRequest time.Duration, rec *Recorder) *imdsClient {
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
func queryIMDS(ctx context.Context, p HostParams, rec *Recorder) []results.IMDSAnswer {
	ctx, cancel := context.WithTimeout(ctx, p.MetadataTimeout)
	defer cancel()
	c := newIMDSClient(p.MetadataRequestTimeout, rec)
	defer c.hc.CloseIdleConnections()
	var chosen []imdsFlavor
	for _, f := range imdsFlavors {
		if len(p.MetadataFlavors) == 0 || containsString(p.MetadataFlavors, f.Name) {
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
			f.ask(ctx, c, base, &a)
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
