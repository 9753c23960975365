package scenarios_test

import (
	"context"
	"fmt"
	"math"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/scenarios"
	"github.com/sovbench/sovbench/scenarios/lab"
	"github.com/sovbench/sovbench/scenarios/lab/labtest"
)

// accuracyLab puts one host in Bissen and landmarks from 20 km to 6,400 km.
const accuracyLab = `
lab: rttacc
inflation: 1.0
internet: {location: {lat: 50.11, lon: 8.68}}
providers:
  - {name: lux, location: {lat: 49.787, lon: 6.068}, egress: {policy: open}, hosts: [{name: vm}]}
services:
  - {name: lm-here, kind: landmark, at: internet, location: {lat: 49.787, lon: 6.068}}
  - {name: lm-luxembourg, kind: landmark, at: internet, location: {lat: 49.6117, lon: 6.13}}
  - {name: lm-paris, kind: landmark, at: internet, location: {lat: 48.8534, lon: 2.3488}}
  - {name: lm-madrid, kind: landmark, at: internet, location: {lat: 40.4165, lon: -3.7026}}
  - {name: lm-ashburn, kind: landmark, at: internet, location: {lat: 39.0437, lon: -77.4875}}
`

// BenchmarkRTTAccuracy measures, in one lab run, the rtt probe's TCP, UDP
// and ICMP round trips and iputils ping's on the same paths, against the
// emulated truth (2 × the forwarder's one-way delay). A landmark at the
// host's own place (0 km) measures what the forwarder and kernel add to
// every round trip; the error is reported raw and net of that baseline.
// Targets: the probe's median net error within 2 % + 100 µs, and its
// minimum and mean errors no worse than ping's (one of them within 30 µs).
// Run it with scripts/bench/latency.sh.
func BenchmarkRTTAccuracy(b *testing.B) {
	l := labtest.Up(b, accuracyLab)
	host, _ := l.Topology.Host("lux/vm")
	ns := labtest.Namespace(b, l, "lux/vm")
	count := 100
	var src strings.Builder
	fmt.Fprintf(&src, "suite: rtt-accuracy\nprovider: {name: lab}\ntargets: [{name: lux, kind: lab, host: lux/vm}]\n"+
		"probes:\n  - probe: rtt\n    timeout: 5m\n    params:\n      methods: [tcp, udp, icmp]\n      count: %d\n      interval: 10ms\n      parallel: 1\n      landmarks:\n", count)
	for _, s := range l.Topology.Services {
		fmt.Fprintf(&src, "        - {name: %s, address: %s, lat: %v, lon: %v}\n", s.Name, s.Addrs[0], s.Location.Lat, s.Location.Lon)
	}
	src.WriteString("claims: [{location.not_in: [CN]}]\n")
	s, err := scenarios.Parse("rtt-accuracy.yaml", []byte(src.String()))
	if err != nil {
		b.Fatal(err)
	}
	r := &scenarios.Runner{AgentPath: agentBinary(b), ResolveLab: l.Namespace}
	var worstOurs, worstNet, worstPing float64
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		rep := r.Run(ctx, s)
		cancel()
		if len(rep.Evidence) != 1 || rep.Evidence[0].Latency == nil {
			b.Fatalf("no latency evidence: %+v", rep.Evidence)
		}
		b.Logf("%-14s %8s  %-6s %10s %10s %10s %10s  %s", "landmark", "km", "method", "truth", "p50", "raw err", "net err", "within 2%+100µs")
		base := map[string]time.Duration{}
		for _, lm := range rep.Evidence[0].Latency.Landmarks {
			if lm.Name == "lm-here" {
				base[lm.Method] = lm.Summary.P50.D()
			}
		}
		for _, lm := range rep.Evidence[0].Latency.Landmarks {
			svc, _ := l.Topology.Service(lm.Name)
			truth := 2 * lab.OneWayDelay(host.Location, svc.Location, l.Topology.Inflation)
			limit := truth/50 + 100*time.Microsecond
			ours := lm.Summary.P50.D() - truth
			net := ours - base[lm.Method]
			b.Logf("%-14s %8.0f  %-6s %10s %10s %10s %10s  %v", lm.Name, lab.DistanceKm(host.Location, svc.Location), lm.Method, truth, lm.Summary.P50, ours, net, abs(net) <= limit)
			worstOurs = max(worstOurs, float64(abs(ours))/float64(limit))
			worstNet = max(worstNet, float64(abs(net))/float64(limit))
			if lm.Name != "lm-here" && abs(net) > limit {
				b.Errorf("%s %s: median %s is %s off the emulated %s net of the 0 km baseline (limit %s)", lm.Name, lm.Method, lm.Summary.P50, net, truth, limit)
			}
			if lm.Method != "icmp" {
				continue
			}
			pMin, pAvg, err := pingStats(ns, svc.Addrs[0].String(), count)
			if err != nil {
				b.Fatal(err)
			}
			// Compare like with like: ping reports min and mean (to the µs).
			oursMin, oursMean := lm.Summary.Min.D()-truth, lm.Summary.Mean.D()-truth
			pingMin, pingMean := pMin-truth, pAvg-truth
			worstPing = max(worstPing, float64(abs(pingMean))/float64(limit))
			b.Logf("%-14s %8s  %-6s %10s  min err probe %9s ping %9s   mean err probe %9s ping %9s", lm.Name, "", "vs ping", truth, oursMin, pingMin, oursMean, pingMean)
			// Worse only when both statistics are: with a few dozen samples
			// on a shared machine either one alone moves by tens of µs.
			if abs(oursMin) > abs(pingMin)+30*time.Microsecond && abs(oursMean) > abs(pingMean)+30*time.Microsecond {
				b.Errorf("%s: the probe's ICMP error (min %s, mean %s) is worse than ping's (min %s, mean %s)", lm.Name, oursMin, oursMean, pingMin, pingMean)
			}
		}
	}
	b.ReportMetric(worstOurs, "worst-raw-err/limit")
	b.ReportMetric(worstNet, "worst-net-err/limit")
	b.ReportMetric(worstPing, "ping-worst-err/limit")
}

func abs(d time.Duration) time.Duration { return max(d, -d) }

var pingSummary = regexp.MustCompile(`= ([0-9.]+)/([0-9.]+)/([0-9.]+)/([0-9.]+) ms`)

// pingStats runs iputils ping in namespace ns and returns the min and mean
// RTT of its summary line. -A paces ping like the probe: the next echo
// leaves when the last one is answered (one in flight). With a fixed
// interval shorter than the RTT several echoes are in flight and keep the
// lab's forwarder busy, which lowers long-path RTTs by up to ~90 µs: a
// property of the emulator, not of either measurement.
func pingStats(ns, addr string, count int) (minRTT, mean time.Duration, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", "netns", "exec", ns, "ping", "-n", "-q", "-A", "-c", strconv.Itoa(count), "-W", "2", addr).CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("ping %s: %w: %s", addr, err, out)
	}
	m := pingSummary.FindStringSubmatch(string(out))
	if m == nil {
		return 0, 0, fmt.Errorf("ping %s: no summary: %s", addr, out)
	}
	ms := func(s string) time.Duration {
		v, _ := strconv.ParseFloat(s, 64)
		return time.Duration(math.Round(v * 1e6))
	}
	return ms(m[1]), ms(m[2]), nil
}
