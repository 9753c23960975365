package egress

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// BenchmarkEgressVsNmap probes 10 000 destinations inside a test-made
// namespace (80 addresses × 100 ports: 30 open, 70 closed; 20 more
// addresses blackholed) with the egress probe and with nmap -sT -Pn, and
// reports both wall times, both peak RSS and the number of disagreements.
// Ours is what runs on a host: the slim agent (sovbench-agent --stdio,
// built by the benchmark) running a plan of one egress step and writing
// its evidence line; agent-idle-MB is the same binary's peak RSS running
// an empty plan. The step names the targets as nmap's command line does:
// each address with its port range (ports: "20001-20100"). The same sweep
// declared as 10 000 destinations, one per address and port, is run too
// (ours-list-*): the plan itself then takes the agent megabytes to decode.
// Run it with scripts/bench/egress.sh. Target: ours ≤ 0.5 × nmap's wall
// time, identical classification, peak RSS ≤ nmap's.
func BenchmarkEgressVsNmap(b *testing.B) {
	var open, ports []int
	for p := 20001; p <= 20100; p++ {
		ports = append(ports, p)
		if p <= 20030 {
			open = append(open, p)
		}
	}
	ns := scanNetns(b, open, nil)
	var addrs []string
	for i := 1; i <= 80; i++ {
		addrs = append(addrs, fmt.Sprintf("127.0.1.%d", i))
	}
	for i := 1; i <= 20; i++ {
		addrs = append(addrs, fmt.Sprintf("127.0.2.%d", i))
	}
	agent := buildAgent(b)
	ranged, listed := sweepPlan(b, addrs, ports, true), sweepPlan(b, addrs, ports, false)
	_, idle := runInWith(b, ns, nil, []byte(`{"target":{"name":"ns"},"steps":[]}`), agent, "--stdio")
	for b.Loop() {
		ours, om := runAgent(b, ns, agent, ranged)
		out, nm := runIn(b, ns, nil, nmapArgs("-sT", ports, addrs)...)
		theirs, err := parseNmapXML(out)
		if err != nil {
			b.Fatal(err)
		}
		list, lm := runAgent(b, ns, agent, listed)
		report(b, ours, theirs, om, nm, idle)
		diff := compareStates(list, theirs)
		b.ReportMetric(lm.wall.Seconds(), "ours-list-s")
		b.ReportMetric(float64(lm.maxRSS)/(1<<20), "ours-list-MB")
		b.ReportMetric(float64(len(diff)), "list-disagreements")
		b.Logf("as 10 000 listed destinations: ours %v (cpu %v, %.1f MB), %d disagreements %s",
			lm.wall, lm.cpu, float64(lm.maxRSS)/(1<<20), len(diff), strings.Join(first(diff, 5), "; "))
	}
}

func report(b *testing.B, ours, theirs map[string]string, om, nm, idle measured) {
	diff := compareStates(ours, theirs)
	counts := map[string]int{}
	for _, s := range ours {
		counts[s]++
	}
	mb := func(m measured) float64 { return float64(m.maxRSS) / (1 << 20) }
	b.ReportMetric(om.wall.Seconds(), "ours-s")
	b.ReportMetric(nm.wall.Seconds(), "nmap-s")
	b.ReportMetric(om.wall.Seconds()/nm.wall.Seconds(), "wall-ratio")
	b.ReportMetric(mb(om), "ours-MB")
	b.ReportMetric(mb(nm), "nmap-MB")
	b.ReportMetric(mb(idle), "agent-idle-MB")
	b.ReportMetric(float64(len(diff)), "disagreements")
	b.ReportMetric(om.cpu.Seconds(), "ours-cpu-s")
	b.ReportMetric(nm.cpu.Seconds(), "nmap-cpu-s")
	b.Logf("%d destinations: ours %v (cpu %v, %.1f MB; idle agent %.1f MB), nmap %v (cpu %v, %.1f MB); states %v; %d disagreements %s",
		len(ours), om.wall, om.cpu, mb(om), mb(idle), nm.wall, nm.cpu, mb(nm), counts, len(diff), strings.Join(first(diff, 5), "; "))
}

// buildAgent builds the slim agent into a temporary directory as it ships
// (scripts/demo, scripts/release): static and stripped. A default build
// links cgo, the C TPM simulator and libc, pages a host never maps.
func buildAgent(b *testing.B) string {
	bin := filepath.Join(b.TempDir(), "sovbench-agent")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "github.com/sovbench/sovbench/cmd/sovbench-agent")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("building the agent: %v: %s", err, out)
	}
	return bin
}

// sweepPlan is the agent's plan: one egress step on every address × port,
// each address with its ports (ranged) or one destination per port.
func sweepPlan(b *testing.B, addrs []string, ports []int, ranged bool) []byte {
	p := probes.EgressParams{Concurrency: 1024, Rate: 50000, AttemptTimeout: time.Second, RandomPorts: -1}
	for _, a := range addrs {
		if ranged {
			p.Destinations = append(p.Destinations, probes.DestinationSpec{Host: a, Ports: joinInts(ports), Protocol: "tcp"})
			continue
		}
		for _, port := range ports {
			p.Destinations = append(p.Destinations, probes.DestinationSpec{Host: a, Port: port, Protocol: "tcp"})
		}
	}
	step := map[string]any{"id": "egress", "probe": probes.EgressName, "timeout": "5m", "params": p}
	plan, err := json.Marshal(map[string]any{"target": map[string]string{"name": "ns"}, "steps": []any{step}})
	if err != nil {
		b.Fatal(err)
	}
	return plan
}

// runAgent runs the agent on plan inside ns and returns its classification.
func runAgent(b *testing.B, ns, agent string, plan []byte) (map[string]string, measured) {
	out, m := runInWith(b, ns, nil, plan, agent, "--stdio")
	var ev results.Evidence
	if err := json.Unmarshal(out, &ev); err != nil || ev.Egress == nil {
		b.Fatalf("decoding the agent's evidence: %v: %.300s", err, out)
	}
	return statesOf(*ev.Egress), m
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
