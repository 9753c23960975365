package seed_test

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/sovbench/sovbench/lab"
	"github.com/sovbench/sovbench/lab/labtest"
	"github.com/sovbench/sovbench/lab/seed"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/run"
	seedsuites "github.com/sovbench/sovbench/scenarios/seed"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// leakClass is one way out a leaking provider might leave open, as a pair
// of lab providers: the leaker and its sealed twin, which differ only in
// the leak. via is what the failing verdict's reason must name.
type leakClass struct {
	name string
	// host is the YAML of vm1's extra fields (egress policy, dns, ...);
	// services the YAML of extra service lines; both get %[1]s = provider
	// name, %[2]s = "leak" or "sealed", %[3]d = provider index.
	leak, sealed     string
	services         string
	resolverLeak     string // dns-<p>'s params for the leaker (default: internal)
	via              string
	arrivalAt, proto string // a lab service that must have recorded the leaker's traffic
	// source is where the probe must have found the leaker's proxy.
	source string
	// tcpPorts widens the sweep of the seed suite (sweep tcp_ports) for
	// this class; uncaught says the seed suite does not try this way out:
	// the leaker passes, and its reason must say so (via is then what it
	// must say).
	tcpPorts string
	uncaught bool
}

// leakClasses is the leak catalogue: every class must fail the seed
// disconnected suite and its twin must pass.
var leakClasses = []leakClass{
	{name: "dnsrec", leak: "egress: {policy: reject}", sealed: "egress: {policy: reject}",
		resolverLeak: `{mode: forward, zone: %[1]s.internal, upstream: "198.19.1.5:53"}`,
		via:          "DNS through the host's resolver", arrivalAt: "world-dns", proto: "dns"},
	{name: "ipv6", leak: `egress: {policy: allow, allow: [{to: "fd5b:1ab:0:101::1/128"}]}`, sealed: "egress: {policy: reject}",
		via: "fd5b:1ab:0:101::1", arrivalAt: "sink", proto: "tcp"},
	{name: "quic", leak: "egress: {policy: allow, allow: [{to: sink, proto: udp, ports: [443]}]}", sealed: "egress: {policy: reject}",
		via: "via quic", arrivalAt: "sink", proto: "quic"},
	{name: "udp", leak: "egress: {policy: allow, allow: [{to: sink, proto: udp, ports: [51820]}]}", sealed: "egress: {policy: reject}",
		via: "via udp", arrivalAt: "sink", proto: "udp"},
	{name: "icmp", leak: "egress: {policy: allow, allow: [{to: sink, proto: icmp}]}", sealed: "egress: {policy: reject}",
		via: "via icmp"},
	{name: "icmp6", leak: `egress: {policy: allow, allow: [{to: "fd5b:1ab:0:101::1/128", proto: icmp}]}`, sealed: "egress: {policy: reject}",
		via: "fd5b:1ab:0:101::1/icmp"},
	{name: "ssh", leak: "egress: {policy: allow, allow: [{to: sink, proto: tcp, ports: [22]}]}", sealed: "egress: {policy: reject}",
		via: ":22/tcp", arrivalAt: "sink", proto: "tcp"},
	// UDP to a far end that never answers (a silent sink on 4500, as a
	// provider that drops every answer would look): the host sees only
	// timeouts; the sink's record of the run's token is the evidence.
	{name: "udpsilent", leak: "egress: {policy: allow, allow: [{to: sink, proto: udp, ports: [4500]}]}", sealed: "egress: {policy: reject}",
		via: "udp to 198.19.1.1:4500 (198.19.1.1:4500/udp", arrivalAt: "sink", proto: "udp"},
	{name: "ntp", leak: "egress: {policy: allow, allow: [{to: sink, proto: udp, ports: [123]}]}", sealed: "egress: {policy: reject}",
		via: "via ntp", arrivalAt: "sink", proto: "ntp"},
	{name: "gwproxy", leak: "egress: {policy: reject}, gateway: px-%[1]s", sealed: "egress: {policy: reject}, gateway: px-%[1]s",
		services: "{name: px-%[1]s, kind: proxy, at: %[1]s/ns, params: {allow: [%[4]s]}}",
		via:      "_proxy", arrivalAt: "px-%[1]s", proto: "http-proxy"},
	{name: "wpad", leak: "egress: {policy: reject}, dns_search: [%[1]s.internal]", sealed: "egress: {policy: reject}, dns_search: [%[1]s.internal]",
		services: `{name: px-%[1]s, kind: proxy, at: %[1]s/ns, params: {allow: [%[4]s]}}
  - {name: wpad-%[1]s, kind: wpad, at: %[1]s/vm1, params: {proxy: "px-%[1]s:3128"}}`,
		via: "_proxy", arrivalAt: "px-%[1]s", proto: "http-proxy", source: "wpad:http://wpad.wpad-leak.internal/wpad.dat"},
	{name: "envproxy", leak: `egress: {policy: reject}, etc: {environment: "https_proxy=http://198.18.%[3]d.105:3128\n"}`,
		sealed:   `egress: {policy: reject}, etc: {environment: "https_proxy=http://198.18.%[3]d.105:3128\n"}`,
		services: "{name: px-%[1]s, kind: proxy, at: %[1]s/ns, params: {allow: [%[4]s]}}",
		via:      "_proxy", arrivalAt: "px-%[1]s", proto: "http-proxy", source: "file:/etc/environment"},
	// A proxy the host's environment names by an IPv6 address only.
	{name: "envproxy6", leak: `egress: {policy: reject}, etc: {environment: "https_proxy=http://[fd5b:1ab:0:%[5]s::69]:3128\n"}`,
		sealed:   `egress: {policy: reject}, etc: {environment: "https_proxy=http://[fd5b:1ab:0:%[5]s::69]:3128\n"}`,
		services: "{name: px-%[1]s, kind: proxy, at: %[1]s/ns, params: {allow: [%[4]s]}}",
		via:      "_proxy through http://[fd5b:1ab:0:", arrivalAt: "px-%[1]s", proto: "http-proxy", source: "file:/etc/environment"},
	// TCP on a port outside the common ones: the seed suite tries only
	// those (a sweep of every port takes minutes per far end), so the leak
	// passes, and the pass says which ports were not tried; a sweep widened
	// by tcp_ports catches it.
	{name: "highport", leak: "egress: {policy: allow, allow: [{to: sink, proto: tcp, ports: [40000]}]}", sealed: "egress: {policy: reject}",
		via: "no other port", uncaught: true},
	{name: "highwide", leak: "egress: {policy: allow, allow: [{to: sink, proto: tcp, ports: [40000]}]}", sealed: "egress: {policy: reject}",
		via: ":40000/tcp", arrivalAt: "sink", proto: "tcp", tcpPorts: "39990-40010"},
}

// leakLab writes the lab: the seed's far ends (a sink that also speaks
// UDP echo, NTP and QUIC), a world DNS serving telemetry.example and the
// canary zone, one landmark, and per class two providers named
// <class>-leak and <class>-sealed, each with the services the seed suites
// bind to (ctl-, api-, svc-, dns-) and the class's own.
func leakLab() string {
	var b strings.Builder
	b.WriteString("lab: leaks\ninternet: {location: {lat: 50.11, lon: 8.68}}\nproviders:\n")
	var svcs strings.Builder
	svcs.WriteString(`services:
  - {name: sink, kind: sink, at: internet, params: {tcp: [9000, 22, 40000], udp: [51820], silent_udp: [4500], http: [80], https: [443], ntp: [123], quic: [443], names: [telemetry.example]}}
  - {name: vendor, kind: sink, at: internet, params: {tcp: [9000], https: [443], names: [vendor.example]}}
  - {name: replica, kind: sink, at: internet, params: {tcp: [9000]}}
  - {name: mirror, kind: sink, at: internet, params: {http: [80]}}
  - {name: world-dns, kind: dns, at: internet, params: {mode: internal, zone: example, records: {telemetry: sink}, canary_zone: canary.example}}
  - {name: lm-frankfurt, kind: landmark, at: internet}
`)
	i := 0
	for _, c := range leakClasses {
		for _, variant := range []string{"leak", "sealed"} {
			i++
			p := c.name + "-" + variant
			host, allow, resolver := c.sealed, "", fmt.Sprintf("{mode: internal, zone: %s.internal, records: {wpad: wpad-%s}}", p, p)
			if variant == "leak" {
				host, allow = c.leak, `"*"`
				if c.resolverLeak != "" {
					resolver = fill(c.resolverLeak, p, variant, i, allow)
				}
			}
			if !strings.Contains(c.services, "wpad-") {
				resolver = strings.Replace(resolver, fmt.Sprintf(", records: {wpad: wpad-%s}", p), "", 1)
			}
			fmt.Fprintf(&b, "  - {name: %s, operator: Clarence, country: LU, location: {lat: 49.61, lon: 6.13}, egress: {policy: reject},\n"+
				"     hosts: [{name: vm1, dns: [dns-%s], %s}, {name: ns, egress: {policy: open}}]}\n", p, p, fill(host, p, variant, i, allow))
			fmt.Fprintf(&svcs, "  - {name: ctl-%[1]s, kind: landmark, at: %[1]s/vm1}\n  - {name: api-%[1]s, kind: api, at: %[1]s/vm1}\n"+
				"  - {name: svc-%[1]s, kind: sink, at: %[1]s/vm1, params: {tcp: [7], udp: [7], http: [80], https: [443], ntp: [123], quic: [443]}}\n"+
				"  - {name: dns-%[1]s, kind: dns, at: %[1]s/ns, params: %[2]s}\n", p, resolver)
			if c.services != "" {
				svcs.WriteString("  - " + fill(c.services, p, variant, i, allow) + "\n")
			}
		}
	}
	return b.String() + svcs.String()
}

// TestLeakCatalogue runs the seed disconnected suite against every leak
// class and its sealed twin: every leaker must fail egress.disconnected,
// naming the way out, with its traffic recorded where it arrived; every
// twin must pass.
func TestLeakCatalogue(t *testing.T) {
	l := labtest.Up(t, leakLab())
	if a, _ := l.Addr("world-dns"); a.String() != "198.19.1.5" {
		t.Fatalf("world-dns is %s, the resolvers forward to 198.19.1.5", a)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	reps := map[string]*results.Report{}
	var g errgroup.Group
	g.SetLimit(6)
	for _, p := range l.Topology.Providers {
		b, err := seed.Bind(l, p)
		if err != nil {
			t.Fatal(err)
		}
		s, err := seedsuites.Render("disconnected", b)
		if err != nil {
			t.Fatal(err)
		}
		if c := classOf(p.Name); c.tcpPorts != "" {
			s = widenSweep(t, s, c.tcpPorts)
		}
		rep := &results.Report{}
		reps[p.Name] = rep
		g.Go(func() error {
			*rep = *(&run.Runner{AgentPath: labtest.Binary(t), Labs: l}).Run(ctx, s)
			return nil
		})
	}
	g.Wait()
	for _, c := range leakClasses {
		for _, variant := range []string{"leak", "sealed"} {
			p := c.name + "-" + variant
			t.Run(p, func(t *testing.T) { checkLeakVerdict(t, l, c, p, reps[p]) })
		}
	}
}

func checkLeakVerdict(t *testing.T, l *lab.Lab, c leakClass, p string, rep *results.Report) {
	var v *results.Verdict
	for i := range rep.Verdicts {
		if rep.Verdicts[i].Claim == "egress.disconnected" {
			v = &rep.Verdicts[i]
		}
	}
	if v == nil {
		t.Fatalf("no egress.disconnected verdict (run %s)", rep.Status)
	}
	t.Logf("%s: %s", v.Status, v.Reason)
	if strings.HasSuffix(p, "-sealed") {
		if v.Status != results.StatusPass {
			t.Fatalf("the sealed twin is %s, want pass", v.Status)
		}
		return
	}
	if c.uncaught {
		if v.Status != results.StatusPass || !strings.Contains(v.Reason, c.via) {
			t.Fatalf("the leaker the seed suite does not try is %s, want a pass saying %q", v.Status, c.via)
		}
		return
	}
	if v.Status != results.StatusFail || !strings.Contains(v.Reason, c.via) {
		t.Fatalf("the leaker is %s, want fail naming %q", v.Status, c.via)
	}
	if c.source != "" && !proxyFrom(rep, c.source) {
		t.Fatalf("no proxy found from %s", c.source)
	}
	if c.arrivalAt == "" {
		return
	}
	at := fill(c.arrivalAt, p, "leak", 0, "")
	var token string
	for _, ev := range rep.Evidence {
		if ev.Egress != nil {
			token = ev.Egress.RunToken
		}
	}
	for _, a := range l.Arrivals(at) {
		if a.Proto == c.proto && (c.proto != "dns" || strings.Contains(a.Payload, token)) && arrivedFrom(l, p, a) {
			return
		}
	}
	t.Fatalf("no %s arrival from %s at %s", c.proto, p, at)
}

// arrivedFrom reports whether arrival a came from provider p.
func arrivedFrom(l *lab.Lab, p string, a lab.Arrival) bool {
	ap, err := netip.ParseAddrPort(a.Peer)
	if err != nil {
		return false
	}
	for _, pr := range l.Topology.Providers {
		for _, pf := range pr.Prefixes {
			if pr.Name == p && pf.Contains(ap.Addr().Unmap()) {
				return true
			}
		}
	}
	return false
}

// fill replaces %[1]s (provider), %[2]s (variant), %[3]d (provider
// index), %[4]s (the proxy's allow list) and %[5]s (the provider index in
// hexadecimal, as in its IPv6 prefix) in a lab fragment.
func fill(s, p, variant string, i int, allow string) string {
	return strings.NewReplacer("%[1]s", p, "%[2]s", variant, "%[3]d", fmt.Sprint(i), "%[4]s", allow, "%[5]s", fmt.Sprintf("%x", i)).Replace(s)
}

// proxyFrom reports whether the egress evidence found a proxy from source.
func proxyFrom(rep *results.Report, source string) bool {
	for _, ev := range rep.Evidence {
		if ev.Egress == nil {
			continue
		}
		for _, p := range ev.Egress.Proxies {
			if strings.HasPrefix(p.Source, source) {
				return true
			}
		}
	}
	return false
}

// classOf returns the leak class of provider p (<class>-leak or <class>-sealed).
func classOf(p string) leakClass {
	name := p[:strings.LastIndex(p, "-")]
	for _, c := range leakClasses {
		if c.name == name {
			return c
		}
	}
	return leakClass{}
}

// widenSweep re-parses s with tcp_ports added to every far end it sweeps.
func widenSweep(t *testing.T, s *suite.Suite, ports string) *suite.Suite {
	// A sweep line may end with the far end's place (the seed suites write it).
	src := regexp.MustCompile(`(- \{host: [^,]+, category: [a-z-]+(?:, place: "[^"]*")?)\}`).ReplaceAll(s.Source, []byte(`$1, tcp_ports: "`+ports+`"}`))
	if bytes.Equal(src, s.Source) {
		t.Fatalf("no sweep line in %s", s.Source)
	}
	w, err := suite.Parse(s.Path+" (sweep widened)", src)
	if err != nil {
		t.Fatal(err)
	}
	return w
}
