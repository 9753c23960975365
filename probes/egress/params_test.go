package egress

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

func TestEgressParamsRejectBadInput(t *testing.T) {
	cases := []struct{ name, params, err string }{
		{"an unknown protocol is named with the known ones", "destinations: [{host: 198.18.0.1, protocol: smtp}]",
			`destinations[0].protocol: unknown protocol "smtp" (known: dns, http, https, icmp, ntp, quic, tcp, tls, udp)`},
		{"a TCP destination needs a port", "destinations: [{host: 198.18.0.1, protocol: tcp}]",
			"destinations[0].port: 0 is not a port (protocol tcp needs one)"},
		{"a destination needs a host", "destinations: [{port: 80, protocol: tcp}]", "destinations[0].host: missing"},
		{"an unknown method is refused", "destinations: [{host: h, port: 1, protocol: tcp, methods: [smoke]}]",
			`destinations[0].methods: unknown method "smoke"`},
		{"an unknown family is refused", "families: [ip5]\ndestinations: [{host: h, port: 1, protocol: tcp}]", `families: unknown family "ip5"`},
		{"nothing to do is refused", "{}", "destinations: none declared"},
		{"a bad pin is refused", "tls: {pins: [abc]}\ndestinations: [{host: h, port: 1, protocol: tcp}]", `tls.pins[0]: "abc" is not sha256/<base64 of 32 bytes>`},
		{"a CA without PEM is refused", "tls: {ca_pem: nope}\ndestinations: [{host: h, port: 1, protocol: tcp}]", "tls: no PEM certificate"},
		{"a non-positive rate is refused", "rate: -1\ndestinations: [{host: h, port: 1, protocol: tcp}]", "must be positive"},
		{"an expected answer must be an address", "dns_leak: {external: [{name: x, expect: [nope]}]}", `dns_leak.external[0].expect[0]: "nope" is not an IP address`},
		{"a sweep port range must be ports", "sweep: [{host: h, tcp_ports: \"1-70000\"}]", `sweep[0].tcp_ports: "1-70000" is not a port or a range of ports (1-65535)`},
		{"a sweep port range must go up", "sweep: [{host: h, udp_ports: \"9,5-3\"}]", `sweep[0].udp_ports: "5-3" is not a port`},
		{"ports are a port list", "destinations: [{host: h, ports: \"20-10\", protocol: tcp}]", `destinations[0].ports: "20-10" is not a port`},
		{"port or ports, not both", "destinations: [{host: h, port: 1, ports: \"2-3\", protocol: tcp}]", `destinations[0].ports: set port or ports, not both`},
		{"icmp has no ports", "destinations: [{host: h, ports: \"2-3\", protocol: icmp}]", `destinations[0].ports: protocol icmp has no ports`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := newEgress(yamlDecoder(c.params))
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("error %v, want one containing %q", err, c.err)
			}
		})
	}
}

// The shipped real-world lists parse, and the probe refuses to load them
// without allow_real_world: no test can dial them by mistake.
func TestShippedRealWorldListsParseAndAreRefusedByDefault(t *testing.T) {
	files, _ := filepath.Glob("../../scenarios/destinations/*.yaml")
	if len(files) == 0 {
		t.Fatal("no shipped destination lists")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			l, err := probes.LoadDestinationList(t.Context(), f, limits.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !l.RealWorld {
				t.Fatalf("%s names public endpoints but is not marked real_world", f)
			}
			_, err = newEgress(yamlDecoder("lists: [" + f + "]"))
			if err == nil || !strings.Contains(err.Error(), "allow_real_world") {
				t.Fatalf("loading without allow_real_world: %v, want a refusal", err)
			}
		})
	}
}

func FuzzCheckNTP(f *testing.F) {
	req := make([]byte, 48)
	copy(req[40:], "12345678")
	good := make([]byte, 48)
	good[0] = 4<<3 | 4
	copy(good[24:], "12345678")
	f.Add(good)
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, resp []byte) {
		_, bad := checkNTP(req, resp)
		if bad == "" && (len(resp) < 48 || resp[0]&7 != 4 || string(resp[24:32]) != "12345678") {
			t.Fatalf("accepted a bogus answer % x", resp)
		}
	})
}

func TestEgressDialsIPv6AndKeepsDeclaredOrder(t *testing.T) {
	if !hasIPv6Loopback() {
		t.Skip("no ::1 on this host") // the host has no IPv6, not a missing feature
	}
	open6, closed4 := openTCP(t, "::1"), closedPort(t, "tcp")
	h6, p6 := hostPort(t, open6)
	h4, p4 := hostPort(t, closed4)
	d := runEgress(t, fmt.Sprintf("random_ports: -1\nattempt_timeout: 1s\ndestinations:\n  - {host: %q, port: %d, protocol: tcp}\n  - {host: %q, port: %d, protocol: tcp}\n  - {host: %q, port: %d, protocol: tcp}\n",
		h4, p4, h6, p6, h6, p6))
	got := []string{}
	for _, x := range d.Destinations {
		got = append(got, x.Attempts[0].Family+" "+x.Attempts[0].Class)
	}
	if want := "[ip4 refused ip6 ok ip6 ok]"; fmt.Sprint(got) != want {
		t.Fatalf("attempts %v, want %s in declared order", got, want)
	}
	if d.Summary.Destinations != 3 || d.Summary.Reachable != 2 || d.Summary.Classes["ok"] != 2 {
		t.Fatalf("summary %+v", d.Summary)
	}
}

func TestEgressStoppedRunKeepsEvidenceAndCountsTheRest(t *testing.T) {
	h, p := hostPort(t, udpServer(t, "127.0.0.1", func([]byte) []byte { return nil }))
	var b strings.Builder
	b.WriteString("concurrency: 1\nattempt_timeout: 1s\nrandom_ports: -1\ndestinations:\n")
	for range 20 {
		fmt.Fprintf(&b, "  - {host: %s, port: %d, protocol: udp}\n", h, p)
	}
	pr, err := newEgress(yamlDecoder(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	ev, err := pr.Run(ctx, probes.Target{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	s := ev.Egress.Summary
	if ev.Failure == nil || ev.Failure.Class != results.ClassTimeout || s.NotTried != 19 || len(ev.Egress.Destinations) != 20 {
		t.Fatalf("failure %v, not tried %d of %d, want the run's timeout and 19 not tried", ev.Failure, s.NotTried, len(ev.Egress.Destinations))
	}
	if a := ev.Egress.Destinations[0].Attempts[0]; a.Class != string(results.ClassTimeout) {
		t.Fatalf("the attempt in flight is %s, want timeout", a.Class)
	}
}

// A sweep's tcp_ports and udp_ports add one destination per port beyond
// the common coverage, and count against the destinations limit.
func TestSweepPortsWidenTheCoverage(t *testing.T) {
	sw := probes.SweepSpec{Host: "198.18.9.9", TCPPorts: "22,40000-40002", UDPPorts: "443,5000"}
	var tcp, udp []int
	for _, d := range probes.CoverageDestinations(sw) {
		switch d.Protocol {
		case "tcp":
			tcp = append(tcp, d.Port)
		case "udp":
			udp = append(udp, d.Port)
		}
	}
	if want := append(slices.Clone(probes.CoverageTCPPorts), 40000, 40001, 40002); !slices.Equal(tcp, want) {
		t.Errorf("tcp ports %v, want %v", tcp, want)
	}
	if want := append(slices.Clone(probes.CoverageUDPEchoPorts), 5000); !slices.Equal(udp, want) {
		t.Errorf("udp ports %v, want %v", udp, want)
	}
	var lim limits.Limits
	if err := lim.Set("destinations=4"); err != nil {
		t.Fatal(err)
	}
	p := probes.DefaultEgressParams()
	p.Sweep = []probes.SweepSpec{sw}
	p.Bound(lim)
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "destinations") {
		t.Fatalf("a sweep of 1 far end and 4 extra ports under a limit of 4: %v, want the destinations limit", err)
	}
}

// A destination with ports counts one destination per port against the
// limit, and its ports are nmap's list: sorted, without duplicates.
func TestDestinationPortsCountEachPort(t *testing.T) {
	d := probes.DestinationSpec{Host: "h", Ports: "30-32, 31,7", Protocol: "tcp"}
	if err := d.Normalise("d"); err != nil {
		t.Fatal(err)
	}
	if ports, err := probes.ParsePorts(d.Ports); err != nil || !slices.Equal(ports, []int{7, 30, 31, 32}) || d.Count() != 4 || d.Port != 0 {
		t.Fatalf("ports %v (%v), count %d, port %d; want [7 30 31 32], 4, 0", ports, err, d.Count(), d.Port)
	}
	var lim limits.Limits
	if err := lim.Set("destinations=4"); err != nil {
		t.Fatal(err)
	}
	p := probes.DefaultEgressParams()
	p.Destinations = []probes.DestinationSpec{d, {Host: "h", Port: 1, Protocol: "tcp"}}
	p.Bound(lim)
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "destinations") {
		t.Fatalf("4 ports and 1 port under a limit of 4: %v, want the destinations limit", err)
	}
	p.Destinations = p.Destinations[:1]
	if err := p.Validate(); err != nil {
		t.Fatalf("4 ports under a limit of 4: %v", err)
	}
}
