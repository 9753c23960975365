package lab_test

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

	"github.com/sovbench/sovbench/lab"
	"github.com/sovbench/sovbench/lab/labtest"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/run"
	"github.com/sovbench/sovbench/scenarios/suite"
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
// emulated truth (2 × the forwarder's one-way delay), at two pacings: a
// sample every 10 ms (ping -i 0.01) and back to back, the next sample as
// soon as the last is answered (probe interval 0, ping -A). Pacing matters
// on a virtual machine: a path idle for 10 ms is cold, and every thread
// wake-up and kernel pass along it costs tens of µs more than on a busy
// one. A landmark at the host's own place (0 km) shows what the lab's
// forwarder and the kernel add to every round trip; errors are reported
// raw and net of that baseline. Targets: the probe's median raw error
// within 2 % + 100 µs beyond 0 km, and its minimum and mean ICMP errors no
// worse than ping's at the same pacing. Run it with scripts/bench/latency.sh.
func BenchmarkRTTAccuracy(b *testing.B) {
	l := labtest.Up(b, accuracyLab)
	host, _ := l.Topology.Host("lux/vm")
	ns := labtest.Namespace(b, l, "lux/vm")
	r := &run.Runner{AgentPath: agentBinary(b), Labs: l}
	var worstRaw, worstNet, worstPing float64
	for b.Loop() {
		for _, pace := range []struct {
			interval string
			ping     []string
		}{{"10ms", []string{"-i", "0.01"}}, {"0s", []string{"-A"}}} {
			rep := r.Run(context.Background(), accuracySuite(b, l, pace.interval))
			if len(rep.Evidence) != 1 || rep.Evidence[0].RTT == nil {
				b.Fatalf("no rtt evidence: %+v", rep.Evidence)
			}
			b.Logf("pacing: probe interval %s, ping %s", pace.interval, strings.Join(pace.ping, " "))
			b.Logf("%-14s %8s  %-6s %10s %10s %10s %10s  %s", "landmark", "km", "method", "truth", "p50", "raw err", "net err", "raw within 2%+100µs")
			base := map[string]time.Duration{}
			for _, lm := range rep.Evidence[0].RTT.Landmarks {
				if lm.Name == "lm-here" {
					base[lm.Method] = lm.Summary.P50.D()
				}
			}
			for _, lm := range rep.Evidence[0].RTT.Landmarks {
				svc, _ := l.Topology.Service(lm.Name)
				truth := 2 * lab.OneWayDelay(host.Location, svc.Location, l.Topology.Inflation)
				limit := truth/50 + 100*time.Microsecond
				raw := lm.Summary.P50.D() - truth
				net := raw - base[lm.Method]
				b.Logf("%-14s %8.0f  %-6s %10s %10s %10s %10s  %v", lm.Name, lab.DistanceKm(host.Location, svc.Location), lm.Method, truth, lm.Summary.P50, raw, net, abs(raw) <= limit)
				if lm.Name != "lm-here" {
					worstRaw = max(worstRaw, float64(abs(raw))/float64(limit))
					worstNet = max(worstNet, float64(abs(net))/float64(limit))
					if abs(raw) > limit {
						b.Errorf("%s %s at %s pacing: median %s is %s off the emulated %s (limit %s)", lm.Name, lm.Method, pace.interval, lm.Summary.P50, raw, truth, limit)
					}
				}
				if lm.Method == "icmp" {
					worstPing = max(worstPing, comparePing(b, ns, svc.Addrs[0].String(), pace.ping, lm, truth, limit))
				}
			}
		}
	}
	b.ReportMetric(worstRaw, "worst-raw-err/limit")
	b.ReportMetric(worstNet, "worst-net-err/limit")
	b.ReportMetric(worstPing, "ping-worst-err/limit")
}

// accuracyCount is the number of samples per landmark and method.
const accuracyCount = 100

func accuracySuite(b *testing.B, l *lab.Lab, interval string) *suite.Suite {
	var src strings.Builder
	fmt.Fprintf(&src, "suite: rtt-accuracy\nprovider: {name: lab}\ntargets: [{name: lux, kind: lab, host: lux/vm}]\n"+
		"probes:\n  - probe: rtt\n    timeout: 5m\n    params:\n      methods: [tcp, udp, icmp]\n      count: %d\n      interval: %s\n      parallel: 1\n      landmarks:\n", accuracyCount, interval)
	for _, s := range l.Topology.Services {
		fmt.Fprintf(&src, "        - {name: %s, address: %s, lat: %v, lon: %v}\n", s.Name, s.Addrs[0], s.Location.Lat, s.Location.Lon)
	}
	src.WriteString("claims: [{location.not_in: [CN]}]\n")
	s, err := suite.Parse("rtt-accuracy.yaml", []byte(src.String()))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// comparePing runs ping at the given pacing against one landmark, logs its
// min and mean errors beside the probe's and fails the benchmark if the
// probe is worse on both. It returns ping's mean error against the limit.
func comparePing(b *testing.B, ns, addr string, pacing []string, lm results.LandmarkRTT, truth, limit time.Duration) float64 {
	pMin, pAvg, err := pingStats(ns, addr, pacing, accuracyCount)
	if err != nil {
		b.Fatal(err)
	}
	// Compare like with like: ping reports min and mean (to the µs).
	oursMin, oursMean := lm.Summary.Min.D()-truth, lm.Summary.Mean.D()-truth
	pingMin, pingMean := pMin-truth, pAvg-truth
	b.Logf("%-14s %8s  %-6s %10s  min err probe %9s ping %9s   mean err probe %9s ping %9s", lm.Name, "", "vs ping", truth, oursMin, pingMin, oursMean, pingMean)
	// Worse only when both statistics are: with a hundred samples on a
	// shared machine either one alone moves by tens of µs.
	if abs(oursMin) > abs(pingMin)+30*time.Microsecond && abs(oursMean) > abs(pingMean)+30*time.Microsecond {
		b.Errorf("%s: the probe's ICMP error (min %s, mean %s) is worse than ping's (min %s, mean %s)", lm.Name, oursMin, oursMean, pingMin, pingMean)
	}
	return float64(abs(pingMean)) / float64(limit)
}

func abs(d time.Duration) time.Duration { return max(d, -d) }

var pingSummary = regexp.MustCompile(`= ([0-9.]+)/([0-9.]+)/([0-9.]+)/([0-9.]+) ms`)

// pingStats runs iputils ping in namespace ns with the given pacing flags
// and returns the min and mean RTT of its summary line. With -i shorter
// than the RTT several echoes are in flight, as the probe's ticker never
// does (it waits for each answer): on the long paths ping -i 0.01 then
// keeps the lab's forwarder busier than the probe does.
func pingStats(ns, addr string, pacing []string, count int) (minRTT, mean time.Duration, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", append(append([]string{"netns", "exec", ns, "ping", "-n", "-q"}, pacing...), "-c", strconv.Itoa(count), "-W", "2", addr)...).CombinedOutput()
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
