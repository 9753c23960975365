package lab_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/lab"
	"github.com/sovbench/sovbench/lab/labtest"
)

const servicesLab = `
lab: services
internet: {location: {lat: 50.11, lon: 8.68}}
providers:
  - name: cloud
    location: {lat: 53.35, lon: -6.26}
    egress: {policy: open}
    hosts: [{name: vm}]
services:
  - {name: md, kind: imds, at: cloud/vm, address: 169.254.169.254,
     params: {flavour: aws, values: {meta-data/placement/region: eu-west-1}}}
  - {name: web, kind: sink, at: internet, params: {https: [443], http: [80]}}
`

// client returns an HTTP client whose connections start in namespace ns.
func client(ns string, tc *tls.Config) *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: tc,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return lab.Dial(ctx, ns, network, addr)
		}}}
}

func do(t *testing.T, c *http.Client, method, url string, hdr map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestTheAWSMetadataServerWantsASessionToken(t *testing.T) {
	l := labtest.Up(t, servicesLab)
	c := client(labtest.Namespace(t, l, "cloud/vm"), nil)
	const base = "http://169.254.169.254/latest/"
	if code, _ := do(t, c, "GET", base+"meta-data/placement/region", nil); code != http.StatusUnauthorized {
		t.Errorf("without a token: status %d, want 401", code)
	}
	code, tok := do(t, c, "PUT", base+"api/token", map[string]string{"X-aws-ec2-metadata-token-ttl-seconds": "60"})
	if code != http.StatusOK || tok == "" {
		t.Fatalf("token: %d %q", code, tok)
	}
	if code, body := do(t, c, "GET", base+"meta-data/placement/region", map[string]string{"X-aws-ec2-metadata-token": tok}); code != 200 || body != "eu-west-1" {
		t.Errorf("region: %d %q, want the fixture value", code, body)
	}
	if _, err := labtest.TryExec(l, "cloud/vm", 5*time.Second, "true"); err != nil {
		t.Fatal(err)
	}
}

func TestHTTPSServicesPresentALabCACertificate(t *testing.T) {
	l := labtest.Up(t, servicesLab)
	ns := labtest.Namespace(t, l, "cloud/vm")
	web, _ := l.Addr("web")
	c := client(ns, &tls.Config{RootCAs: l.CA.Pool()})
	if code, body := do(t, c, "GET", "https://"+web.String()+"/collect", nil); code != 200 || !strings.Contains(body, "sink web") {
		t.Errorf("https sink: %d %q", code, body)
	}
	untrusting := client(ns, &tls.Config{})
	if _, err := untrusting.Get("https://" + web.String() + "/"); err == nil {
		t.Error("a client without the lab CA accepted the certificate")
	}
	var https int
	for _, a := range l.Arrivals("web") {
		if a.Proto == "https" && strings.Contains(a.Payload, "/collect") {
			https++
		}
	}
	if https != 1 {
		t.Errorf("sink recorded %d https arrivals for /collect, want 1: %+v", https, l.Arrivals("web"))
	}
}
