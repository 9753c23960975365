package egress

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/sovbench/sovbench/results"
)

// oneAttempt runs the probe on one destination with one method and returns
// the attempt of that method.
func oneAttempt(t *testing.T, method, addr, extra string) results.EgressAttempt {
	t.Helper()
	host, port := hostPort(t, addr)
	d := runEgress(t, fmt.Sprintf(`
attempt_timeout: 400ms
random_ports: -1
%s
destinations:
  - {host: %q, port: %d, protocol: tcp, methods: [%s], server_name: svc.lab.test}
`, extra, host, port, method))
	for _, a := range d.Destinations[0].Attempts {
		if a.Method == method {
			return a
		}
	}
	t.Fatalf("no %s attempt in %+v", method, d.Destinations[0])
	return results.EgressAttempt{}
}

func TestEgressMethodsClassifyLoopbackOutcomes(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") })
	via := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Via", "1.1 transparent-cache")
		fmt.Fprint(w, "cached")
	})
	echo := func(b []byte) []byte { return b }
	silent := func([]byte) []byte { return nil }
	lab, other := newTestCA(t, "Lab Provider CA"), newTestCA(t, "Interceptor CA")
	tlsAddr := httpsServer(t, lab, ok)
	cases := []struct {
		name, method, addr, extra string
		class                     string
		reachable                 bool
	}{
		{"a TCP connect to an open port is ok", "tcp", openTCP(t, "127.0.0.1"), "", "ok", true},
		{"a TCP connect to a closed port is refused", "tcp", closedPort(t, "tcp"), "", "refused", false},
		{"a TCP connect to a listener whose queue is full times out", "tcp", fullBacklog(t), "", "timeout", false},
		{"a token datagram echoed by a sink is ok", "udp", udpServer(t, "127.0.0.1", echo), "", "ok", true},
		{"a token datagram to a closed port is refused", "udp", closedPort(t, "udp"), "", "refused", false},
		{"a token datagram to a silent sink times out", "udp", udpServer(t, "127.0.0.1", silent), "", "timeout", false},
		{"a DNS query to a resolver is ok", "dns", dnsServer(t, answerA("198.18.0.1", dns.RcodeSuccess)), "", "ok", true},
		{"a DNS query answered REFUSED still proves a DNS path", "dns", dnsServer(t, answerA("", dns.RcodeRefused)), "", "ok", true},
		{"a DNS query to a closed port is refused", "dns", closedPort(t, "udp"), "", "refused", false},
		{"an NTP request to a server is ok", "ntp", udpServer(t, "127.0.0.1", ntpReply(true)), "", "ok", true},
		{"an NTP answer that does not echo the origin is bogus", "ntp", udpServer(t, "127.0.0.1", ntpReply(false)), "", "bogus_answer", true},
		{"an NTP request to a silent port times out", "ntp", udpServer(t, "127.0.0.1", silent), "", "timeout", false},
		{"an HTTP GET to a server is ok", "http", httpServer(t, ok), "", "ok", true},
		{"an HTTP answer with proxy headers is http_proxied", "http", httpServer(t, via), "", "http_proxied", true},
		{"an HTTP GET to a closed port is refused", "http", closedPort(t, "tcp"), "", "refused", false},
		{"a TLS handshake with the expected CA is ok", "tls", tlsAddr, caParam(lab), "ok", true},
		{"a TLS handshake with another CA is tls_intercepted", "tls", tlsAddr, caParam(other), "tls_intercepted", true},
		{"an HTTPS GET with another CA is tls_intercepted", "https", tlsAddr, caParam(other), "tls_intercepted", true},
		{"an HTTPS GET with the expected CA is ok", "https", tlsAddr, caParam(lab), "ok", true},
		{"a TLS handshake to a server speaking another protocol is tls_error", "tls", httpServer(t, ok), caParam(lab), "tls_error", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := oneAttempt(t, c.method, c.addr, c.extra)
			if a.Class != c.class || a.Reachable != c.reachable {
				t.Errorf("class %s reachable %v, want %s %v (failure: %v)", a.Class, a.Reachable, c.class, c.reachable, a.Failure)
			}
			if a.Took <= 0 {
				t.Errorf("took %v, want a duration", a.Took)
			}
		})
	}
}

func caParam(ca *testCA) string {
	return "tls: {ca_pem: " + fmt.Sprintf("%q", ca.PEM) + "}"
}

func TestEgressTLSPinsDecideInterception(t *testing.T) {
	lab := newTestCA(t, "Lab Provider CA")
	addr := httpsServer(t, lab, http.NotFoundHandler())
	sum := sha256.Sum256(lab.cert.RawSubjectPublicKeyInfo)
	pin := "sha256/" + base64.StdEncoding.EncodeToString(sum[:])
	wrong := "sha256/" + base64.StdEncoding.EncodeToString(make([]byte, 32))
	cases := []struct{ name, pin, class string }{
		{"a chain holding the pinned CA key is ok", pin, "ok"},
		{"a chain without the pinned key is tls_intercepted", wrong, "tls_intercepted"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			extra := fmt.Sprintf("tls: {ca_pem: %q, pins: [%q]}", lab.PEM, c.pin)
			if a := oneAttempt(t, "tls", addr, extra); a.Class != c.class {
				t.Errorf("class %s, want %s (%v)", a.Class, c.class, a.Failure)
			}
		})
	}
}

func TestEgressProxiedMethodsTellTheProxyFromTheDestination(t *testing.T) {
	lab := newTestCA(t, "Lab Provider CA")
	origin := httpServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "origin") }))
	secure := httpsServer(t, lab, http.NotFoundHandler())
	allowed := map[string]bool{origin: true, secure: true}
	proxy := "http://" + httpServer(t, forwardProxy(func(hp string) bool { return allowed[hp] }))
	refusedAddr := closedPort(t, "tcp")
	allowed[refusedAddr] = true
	cases := []struct {
		name, method, addr, class string
		reachable                 bool
	}{
		{"a GET the proxy forwards reaches the destination", "http_proxy", origin, "ok", true},
		{"a GET the proxy denies is permission_denied", "http_proxy", closedPort(t, "tcp"), "permission_denied", false},
		{"a GET the proxy cannot connect is refused", "http_proxy", refusedAddr, "refused", false},
		{"a CONNECT the proxy tunnels reaches the destination", "https_proxy", secure, "ok", true},
		{"a CONNECT the proxy denies is permission_denied", "https_proxy", closedPort(t, "tcp"), "permission_denied", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			extra := fmt.Sprintf("proxy: %s\n%s", proxy, caParam(lab))
			host, port := hostPort(t, c.addr)
			d := runEgress(t, fmt.Sprintf("attempt_timeout: 1s\nrandom_ports: -1\n%s\ndestinations:\n  - {host: %s, port: %d, protocol: tcp, methods: [%s]}\n", extra, host, port, c.method))
			a := d.Destinations[0].Attempts[0]
			if a.Class != c.class || a.Reachable != c.reachable {
				t.Errorf("class %s reachable %v, want %s %v (%v, answer %q)", a.Class, a.Reachable, c.class, c.reachable, a.Failure, a.Answer)
			}
			if !strings.Contains(a.Address, " via ") {
				t.Errorf("address %q does not name the proxy", a.Address)
			}
		})
	}
}

func TestEgressICMPEchoToLoopbackIsAnswered(t *testing.T) {
	cases := []struct{ name, ip string }{
		{"IPv4 loopback answers", "127.0.0.1"},
		{"IPv6 loopback answers", "::1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.ip == "::1" && !hasIPv6Loopback() {
				t.Skip("no ::1 on this host") // not a missing feature: the host has no IPv6
			}
			d := runEgress(t, fmt.Sprintf("attempt_timeout: 1s\nrandom_ports: -1\ndestinations:\n  - {host: %q, protocol: icmp}\n", c.ip))
			a := d.Destinations[0].Attempts[0]
			if a.Class != "ok" || !a.Reachable || a.Family == "" {
				t.Errorf("attempt %+v, want an ok echo", a)
			}
		})
	}
}

func hasIPv6Loopback() bool {
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func TestEgressDNSLeakChecksJudgeTheHostResolver(t *testing.T) {
	cases := []struct {
		name     string
		handler  dns.HandlerFunc
		spec     string
		class    string
		resolved bool
	}{
		{"an external name with the expected answer resolved", answerA("198.18.9.9", dns.RcodeSuccess),
			"external: [{name: telemetry.example, expect: [198.18.9.9]}]", "ok", true},
		{"an external name rewritten to another address is tampered", answerA("198.18.66.6", dns.RcodeSuccess),
			"external: [{name: telemetry.example, expect: [198.18.9.9]}]", "dns_tampered", false},
		{"a public name answered with a private address is tampered", answerA("10.1.2.3", dns.RcodeSuccess),
			"external: [{name: www.example.com}]", "dns_tampered", false},
		{"an internal-only resolver's NXDOMAIN is nxdomain", answerA("", dns.RcodeNameError),
			"external: [{name: www.example.com}]", "nxdomain", false},
		{"a resolver that refuses recursion is dns_failure", answerA("", dns.RcodeRefused),
			"external: [{name: www.example.com}]", "dns_failure", false},
		{"a canary echoed by the zone's server resolved", answerA("", dns.RcodeSuccess),
			"canary_zone: canary.lab.test, canaries: 1", "ok", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			server := dnsServer(t, c.handler)
			d := runEgress(t, fmt.Sprintf("attempt_timeout: 1s\ndns_leak: {resolver: %q, %s}\n", server, strings.Trim(c.spec, "{}")))
			if len(d.DNS) != 1 {
				t.Fatalf("%d DNS checks, want 1", len(d.DNS))
			}
			k := d.DNS[0]
			if k.Class != c.class || k.Resolved != c.resolved {
				t.Errorf("class %s resolved %v, want %s %v (%v)", k.Class, k.Resolved, c.class, c.resolved, k.Failure)
			}
		})
	}
}

func TestEgressCanaryNamesAreUniquePerRun(t *testing.T) {
	server := dnsServer(t, answerA("", dns.RcodeSuccess))
	params := fmt.Sprintf("dns_leak: {resolver: %q, canary_zone: canary.lab.test, canaries: 2}\n", server)
	a, b := runEgress(t, params), runEgress(t, params)
	names := map[string]bool{}
	for _, d := range []results.EgressDetails{a, b} {
		for _, k := range d.DNS {
			if !strings.HasPrefix(k.Name, d.RunToken) || !strings.HasSuffix(k.Name, ".canary.lab.test.") {
				t.Errorf("canary %q does not carry run token %s under the zone", k.Name, d.RunToken)
			}
			names[k.Name] = true
		}
	}
	if len(names) != 4 {
		t.Errorf("%d distinct canary names over two runs, want 4", len(names))
	}
}
