package lab_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/lab"
	"github.com/sovbench/sovbench/lab/labtest"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/run"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// egressLab has one provider per egress behaviour, each with a landmark as
// its positive control, and in the "internet": a sink (the leak target), a
// DNS server for the public zone "example" with a canary zone, a forward
// proxy that allows only the sink's port 80, and a TLS interceptor.
// Internet services are numbered in file order: sink is 198.19.1.1.
const egressLab = `
lab: egress
inflation: 1.0
internet: {location: {lat: 50.11, lon: 8.68}}
providers:
  - {name: dis, location: {lat: 50.11, lon: 8.68}, egress: {policy: none}, hosts: [{name: vm}, {name: ns}]}
  - {name: rej, location: {lat: 50.11, lon: 8.68}, egress: {policy: reject}, hosts: [{name: vm}]}
  - {name: drp, location: {lat: 50.11, lon: 8.68}, egress: {policy: drop}, hosts: [{name: vm}]}
  - {name: alw, location: {lat: 50.11, lon: 8.68}, egress: {policy: allow, allow: [{to: sink, proto: tcp, ports: [443]}]}, hosts: [{name: vm}]}
  - {name: prx, location: {lat: 50.11, lon: 8.68}, egress: {policy: proxy_only, proxy: "proxy:3128"}, hosts: [{name: vm}]}
  - {name: leak, location: {lat: 50.11, lon: 8.68}, egress: {policy: none}, hosts: [{name: vm}, {name: ns, egress: {policy: open}}]}
  - {name: tamp, location: {lat: 50.11, lon: 8.68}, egress: {policy: none}, hosts: [{name: vm}, {name: ns, egress: {policy: open}}]}
  - {name: mitm, location: {lat: 50.11, lon: 8.68}, egress: {policy: allow, allow: [{to: mitm, proto: tcp, ports: [443]}]}, hosts: [{name: vm}]}
services:
  - {name: sink, kind: sink, at: internet, params: {tcp: [9000], udp: [9001], http: [80], https: [443], names: [telemetry.example]}}
  - {name: world-dns, kind: dns, at: internet, params: {mode: internal, zone: example, records: {telemetry: 198.19.1.1, www: 198.19.1.1}, canary_zone: canary.example}}
  - {name: proxy, kind: proxy, at: internet, params: {allow: ["198.19.1.1:80"]}}
  - {name: mitm, kind: mitm, at: internet}
  - {name: ctl-dis, kind: landmark, at: dis/ns}
  - {name: dns-dis, kind: dns, at: dis/ns, params: {mode: internal, zone: dis.internal, records: {api: 198.18.1.2}}}
  - {name: ctl-rej, kind: landmark, at: rej/vm}
  - {name: ctl-drp, kind: landmark, at: drp/vm}
  - {name: ctl-alw, kind: landmark, at: alw/vm}
  - {name: ctl-prx, kind: landmark, at: prx/vm}
  - {name: ctl-leak, kind: landmark, at: leak/ns}
  - {name: dns-leak, kind: dns, at: leak/ns, params: {mode: forward, zone: leak.internal, upstream: "198.19.1.2:53"}}
  - {name: ctl-tamp, kind: landmark, at: tamp/ns}
  - {name: dns-tamp, kind: dns, at: tamp/ns, params: {mode: tamper, zone: tamp.internal, upstream: "198.19.1.2:53", tamper_to: 198.18.250.250}}
  - {name: ctl-mitm, kind: landmark, at: mitm/vm}
  - {name: svc-dis, kind: sink, at: dis/vm, params: {http: [80], https: [443]}}
  - {name: svc-rej, kind: sink, at: rej/vm, params: {http: [80], https: [443]}}
  - {name: svc-drp, kind: sink, at: drp/vm, params: {http: [80], https: [443]}}
  - {name: svc-alw, kind: sink, at: alw/vm, params: {http: [80], https: [443]}}
  - {name: svc-prx, kind: sink, at: prx/vm, params: {http: [80], https: [443]}}
  - {name: svc-leak, kind: sink, at: leak/vm, params: {http: [80], https: [443]}}
  - {name: svc-tamp, kind: sink, at: tamp/vm, params: {http: [80], https: [443]}}
  - {name: svc-mitm, kind: sink, at: mitm/vm, params: {http: [80], https: [443]}}
  - {name: cdns-rej, kind: dns, at: rej/vm, params: {mode: internal, zone: rej.internal}}
  - {name: cdns-drp, kind: dns, at: drp/vm, params: {mode: internal, zone: drp.internal}}
  - {name: cdns-alw, kind: dns, at: alw/vm, params: {mode: internal, zone: alw.internal}}
  - {name: cdns-prx, kind: dns, at: prx/vm, params: {mode: internal, zone: prx.internal}}
  - {name: cdns-mitm, kind: dns, at: mitm/vm, params: {mode: internal, zone: mitm.internal}}
`

var egressTargets = []string{"dis", "rej", "drp", "alw", "prx", "leak", "tamp", "mitm"}

// egressSuite runs the egress probe on every host against the internet
// services, with the host's provider landmark as positive control.
func egressSuite(t *testing.T, l *lab.Lab) string {
	t.Helper()
	addr := func(name string) string {
		a, err := l.Addr(name)
		if err != nil {
			t.Fatal(err)
		}
		return a.String()
	}
	if addr("sink") != "198.19.1.1" || addr("world-dns") != "198.19.1.2" {
		t.Fatalf("internet services are not numbered as the lab file assumes: sink %s, world-dns %s", addr("sink"), addr("world-dns"))
	}
	var b strings.Builder
	b.WriteString("suite: egress-lab\nprovider: {name: lab}\nbudget: 3m\nconcurrency: 4\ntargets:\n")
	for _, p := range egressTargets {
		fmt.Fprintf(&b, "  - {name: %s, kind: lab, host: %s/vm}\n", p, p)
	}
	b.WriteString("probes:\n")
	for _, p := range egressTargets {
		resolver := map[string]string{"dis": "dns-dis", "leak": "dns-leak", "tamp": "dns-tamp"}[p]
		dnsLeak := ""
		if resolver != "" {
			dnsLeak = fmt.Sprintf(", dns_leak: {resolver: %q, external: [{name: telemetry.example, expect: [198.19.1.1]}], canary_zone: canary.example, canaries: 1}", addr(resolver))
		}
		ctlDNS := map[string]string{"dis": "dns-dis", "leak": "dns-leak", "tamp": "dns-tamp"}[p]
		if ctlDNS == "" {
			ctlDNS = "cdns-" + p
		}
		// Positive controls inside the provider for every way out tried
		// (the claim catalogue's rule): echo (TCP, UDP, ICMP), HTTP,
		// HTTPS and TLS, and a resolver.
		controls := fmt.Sprintf(`{host: %[1]s, port: 7, protocol: udp, category: provider, control: true},
        {host: %[1]s, protocol: icmp, category: provider, control: true},
        {host: %[2]s, port: 80, protocol: http, category: provider, control: true},
        {host: %[2]s, port: 443, protocol: https, category: provider, control: true},
        {host: %[3]s, protocol: dns, category: provider, control: true},`, addr("ctl-"+p), addr("svc-"+p), addr(ctlDNS))
		dests := fmt.Sprintf(`[{host: %s, port: 7, protocol: tcp, category: provider, control: true},
        `+controls+`
        {host: 198.19.1.1, port: 9000, protocol: tcp, category: internet},
        {host: 198.19.1.1, port: 9001, protocol: udp, category: telemetry},
        {host: 198.19.1.1, protocol: icmp, category: internet},
        {host: 198.19.1.1, port: 80, protocol: http, category: internet},
        {host: 198.19.1.1, port: 443, protocol: https, category: telemetry, server_name: telemetry.example},
        {host: 198.19.1.2, protocol: dns, category: dns-resolver}`, addr("ctl-"+p))
		if p == "mitm" {
			dests = strings.TrimSuffix(dests, "]") + fmt.Sprintf(",\n        {host: %s, port: 443, protocol: tls, category: telemetry, server_name: telemetry.example}]", addr("mitm"))
		} else {
			dests += "]"
		}
		fmt.Fprintf(&b, "  - probe: egress\n    id: egress-%s\n    targets: [%s]\n    timeout: 60s\n    params: {attempt_timeout: 1s, families: [ip4], proxy: \"http://%s:3128\", tls: {ca: %s}%s,\n      destinations: %s}\n",
			p, p, addr("proxy"), filepath.Join(l.State.Dir(), "ca.pem"), dnsLeak, dests)
	}
	b.WriteString(`claims:
  - egress.disconnected: true
  - egress.allowed_only: ["198.19.1.1:80"]
  - egress.blocked: [internet]
  - dns.no_external_resolution: true
  - tls.no_interception: true
`)
	return b.String()
}

func TestEgressInTheLab(t *testing.T) {
	l := labtest.Up(t, egressLab)
	src := egressSuite(t, l)
	s, err := suite.Parse("egress-lab.yaml", []byte(src))
	if err != nil {
		t.Fatalf("suite: %v\n%s", err, src)
	}
	r := &run.Runner{AgentPath: labtest.Binary(t), Labs: l}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep := r.Run(ctx, s)
	if rep.Status != results.RunComplete {
		t.Fatalf("run %s: %+v", rep.Status, rep.Interruption)
	}
	P, F, I := results.StatusPass, results.StatusFail, results.StatusInconclusive
	want := map[string]map[string]results.Status{
		// leak and tamp: their resolvers recurse (tamp rewrites the A
		// answer, but the canary's TXT came back from the zone's server).
		"egress.disconnected":        {"dis": P, "rej": P, "drp": P, "alw": F, "prx": F, "leak": F, "tamp": F, "mitm": F},
		"egress.allowed_only":        {"dis": P, "rej": P, "drp": P, "alw": F, "prx": P},
		"egress.blocked":             {"dis": P, "alw": P, "prx": F},
		"dns.no_external_resolution": {"dis": P, "rej": I, "leak": F, "tamp": F},
		"tls.no_interception":        {"dis": I, "alw": P, "mitm": F},
	}
	for _, v := range rep.Verdicts {
		w, ruled := want[v.Claim][v.Target]
		if !ruled {
			continue
		}
		t.Run(fmt.Sprintf("%s on %s is %s", v.Claim, v.Target, w), func(t *testing.T) {
			t.Logf("%s: %s [%s]", v.Status, v.Reason, v.Figure)
			if v.Status != w {
				t.Fatalf("status %s (%s)", v.Status, v.Reason)
			}
		})
	}
	checkClasses(t, rep)
	dnsClasses := map[string]string{"dis": "dns_failure", "leak": "ok", "tamp": "dns_tampered"}
	for target, class := range dnsClasses {
		t.Run(fmt.Sprintf("the external name through %s's resolver is %s", target, class), func(t *testing.T) {
			ev := evidenceOf(t, rep, target+"/egress-"+target).Egress
			if ev.DNS[0].Class != class {
				t.Fatalf("class %s (%+v)", ev.DNS[0].Class, ev.DNS[0])
			}
		})
	}
	t.Run("the canary of the leaking host arrived at the zone's server", func(t *testing.T) {
		ev := evidenceOf(t, rep, "leak/egress-leak").Egress
		if !arrived(l, "world-dns", ev.RunToken) {
			t.Fatalf("no arrival with token %s at world-dns", ev.RunToken)
		}
		dis := evidenceOf(t, rep, "dis/egress-dis").Egress
		if arrived(l, "world-dns", dis.RunToken) {
			t.Fatalf("the disconnected host's canary %s reached world-dns", dis.RunToken)
		}
	})
	checkNmapAgrees(t, l, rep)
	t.Run("tokens sent by blocked hosts never reached the sink", func(t *testing.T) {
		for _, target := range []string{"dis", "rej", "drp"} {
			ev := evidenceOf(t, rep, target+"/egress-"+target).Egress
			if arrived(l, "sink", ev.RunToken) {
				t.Errorf("%s's token %s arrived at the sink", target, ev.RunToken)
			}
		}
	})
}

// checkClasses asserts the class of one attempt per egress behaviour.
func checkClasses(t *testing.T, rep *results.Report) {
	classes := []struct {
		target, dest, method, class string
	}{
		{"dis", "198.19.1.1:9000/tcp", "tcp", "unreachable"},
		{"rej", "198.19.1.1:9000/tcp", "tcp", "refused"},
		{"drp", "198.19.1.1:9000/tcp", "tcp", "timeout"},
		{"drp", "198.19.1.1:9001/udp", "udp", "timeout"},
		{"alw", "198.19.1.1:9000/tcp", "tcp", "refused"},
		{"alw", "198.19.1.1:443/https", "tls", "ok"},
		{"prx", "198.19.1.1:80/http", "http", "refused"},
		{"prx", "198.19.1.1:80/http", "http_proxy", "ok"},
		{"prx", "198.19.1.1:443/https", "https_proxy", "permission_denied"},
		{"mitm", "198.19.1.4:443/tls", "tls", "tls_intercepted"},
	}
	for _, c := range classes {
		t.Run(fmt.Sprintf("%s reaching %s by %s is %s", c.target, c.dest, c.method, c.class), func(t *testing.T) {
			a := attemptOf(t, rep, c.target, c.dest, c.method)
			if a.Class != c.class {
				t.Fatalf("class %s (%v, answer %q)", a.Class, a.Failure, a.Answer)
			}
		})
	}
}

func arrived(l *lab.Lab, service, token string) bool {
	for _, a := range l.Arrivals(service) {
		if strings.Contains(a.Payload, token) {
			return true
		}
	}
	return false
}

// attemptOf finds the attempt of method against the destination labelled
// dest ("ip:port/protocol") in a target's egress evidence.
func attemptOf(t *testing.T, rep *results.Report, target, dest, method string) results.EgressAttempt {
	t.Helper()
	ev := evidenceOf(t, rep, target+"/egress-"+target).Egress
	for _, d := range ev.Destinations {
		if !strings.HasPrefix(d.Label(), dest) || d.RandomPort {
			continue
		}
		for _, a := range d.Attempts {
			if a.Method == method {
				return a
			}
		}
	}
	t.Fatalf("no %s attempt to %s on %s", method, dest, target)
	return results.EgressAttempt{}
}
