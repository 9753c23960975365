package egress

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/sovbench/sovbench/results"
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigProxiesReadsTheUsualPlaces(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "environment", "PATH=/usr/bin\nhttps_proxy=\"http://198.18.1.9:3128\"\n# http_proxy=http://198.18.1.66:1\n")
	write(t, dir, "apt.conf.d/90proxy", `Acquire::http::Proxy "http://[fd5b:1ab:0:1::9]:8080/";`+"\n")
	write(t, dir, "wgetrc", "use_proxy = on\nhttp_proxy = 198.18.1.10:8000\n")
	write(t, dir, "yum.conf", "[main]\nproxy=http://198.18.1.11:3128\n")
	got := configProxies([]string{filepath.Join(dir, "environment"), filepath.Join(dir, "apt.conf.d"), filepath.Join(dir, "wgetrc"), filepath.Join(dir, "yum.conf"), filepath.Join(dir, "missing")})
	var urls []string
	for _, p := range got {
		urls = append(urls, p.URL)
	}
	want := []string{"http://198.18.1.9:3128", "http://[fd5b:1ab:0:1::9]:8080", "http://198.18.1.10:8000", "http://198.18.1.11:3128"}
	if !slices.Equal(urls, want) {
		t.Fatalf("found %v, want %v (commented lines ignored)", urls, want)
	}
	if !strings.HasPrefix(got[0].Source, "file:") {
		t.Fatalf("source %q", got[0].Source)
	}
}

func TestWPADNamesClimbTheSearchDomains(t *testing.T) {
	got := wpadNames([]string{"dev.corp.lab.example", "lab"})
	want := []string{"wpad.dev.corp.lab.example", "wpad.corp.lab.example", "wpad.lab.example", "wpad.lab"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestGatewaysComeFromBothRoutingTables(t *testing.T) {
	dir := t.TempDir()
	r4 := write(t, dir, "route", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"+
		"eth0\t00000000\t0101A8C6\t0003\t0\t0\t0\t00000000\n"+
		"eth0\t000012C6\t00000000\t0001\t0\t0\t0\t0000FFFF\n")
	r6 := write(t, dir, "ipv6_route", "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd5b01ab000000010000000000000001 00000400 00000001 00000000 00000003 eth0\n"+
		"fd5b01ab000000010000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001 eth0\n")
	got := fmt.Sprint(gateways(r4, r6))
	if got != "[198.168.1.1 fd5b:1ab:0:1::1]" {
		t.Fatalf("gateways %s", got)
	}
}

// TestEgressDiscoversProxiesAndTriesEachOne points discovery at the test's
// own files: an environment file naming one proxy, a resolver that answers
// wpad.<search domain> with a loopback PAC server naming a second, and a
// routing table whose gateway (loopback) has a third on a proxy port. The
// proxied method then goes through all three.
func TestEgressDiscoversProxiesAndTriesEachOne(t *testing.T) {
	origin := httpServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "origin") }))
	proxy := func() string { return httpServer(t, forwardProxy(func(string) bool { return true })) }
	fromFile, fromPAC, atGateway := proxy(), proxy(), proxy()
	pac := httpServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "function FindProxyForURL(u, h) { return \"PROXY %s; DIRECT\"; }", fromPAC)
	}))
	pacHost, _ := hostPort(t, pac)
	resolver := dnsServer(t, func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		if q := r.Question[0]; q.Name == "wpad.corp.test." && q.Qtype == dns.TypeA {
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET}, A: net.ParseIP(pacHost)})
		}
		w.WriteMsg(m)
	})
	_, gwPort := hostPort(t, atGateway)
	dir := t.TempDir()
	env := write(t, dir, "environment", "http_proxy=http://"+fromFile+"\n")
	conf := write(t, dir, "resolv.conf", "search corp.test\nnameserver 127.0.0.1\n")
	r4 := write(t, dir, "route", "Iface\tDestination\tGateway\tFlags\n lo\t00000000\t0100007F\t0003\n")
	r6 := write(t, dir, "ipv6_route", "")
	host, port := hostPort(t, origin)
	d := runEgress(t, fmt.Sprintf(`attempt_timeout: 1s
random_ports: -1
dns_leak: {resolver: %q, resolv_conf: %q, external: [{name: x.invalid}]}
proxy_discovery: {files: [%q], leases: [%q], gateway_ports: [%d], route_tables: [%q, %q]}
destinations:
  - {host: %s, port: %d, protocol: http, methods: [http_proxy]}
`, resolver, conf, env, filepath.Join(dir, "none"), gwPort, r4, r6, host, port))
	var sources []string
	for _, p := range d.Proxies {
		sources = append(sources, strings.SplitN(p.Source, ":", 2)[0])
	}
	if !slices.Contains(sources, "file") || !slices.Contains(sources, "gateway") {
		t.Fatalf("proxies %+v: want one from the file and one at the gateway", d.Proxies)
	}
	reached := 0
	for _, a := range d.Destinations[0].Attempts {
		if a.Reachable && a.Method == results.MethodHTTPProxy {
			reached++
		}
	}
	if reached != len(d.Proxies) {
		t.Fatalf("%d of %d proxies carried the GET: %+v", reached, len(d.Proxies), d.Destinations[0].Attempts)
	}
}
