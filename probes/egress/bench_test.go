package egress

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkEgressVsNmap probes 10 000 destinations inside a test-made
// namespace (80 addresses × 100 ports: 30 open, 70 closed; 20 more
// addresses blackholed) with the egress probe and with nmap -sT -Pn, and
// reports both wall times, both peak RSS and the number of disagreements.
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
	params := destParams(addrs, ports, nil, "attempt_timeout: 1s\nconcurrency: 1024\nrate: 50000\n")
	for b.Loop() {
		ours, om := runOurs(b, ns, params)
		out, nm := runIn(b, ns, nil, nmapArgs("-sT", ports, addrs)...)
		theirs, err := parseNmapXML(out)
		if err != nil {
			b.Fatal(err)
		}
		diff := compareStates(ours, theirs)
		counts := map[string]int{}
		for _, s := range ours {
			counts[s]++
		}
		b.ReportMetric(om.wall.Seconds(), "ours-s")
		b.ReportMetric(nm.wall.Seconds(), "nmap-s")
		b.ReportMetric(om.wall.Seconds()/nm.wall.Seconds(), "wall-ratio")
		b.ReportMetric(float64(om.maxRSS)/(1<<20), "ours-MB")
		b.ReportMetric(float64(nm.maxRSS)/(1<<20), "nmap-MB")
		b.ReportMetric(float64(len(diff)), "disagreements")
		b.ReportMetric(om.cpu.Seconds(), "ours-cpu-s")
		b.ReportMetric(nm.cpu.Seconds(), "nmap-cpu-s")
		b.Logf("%d destinations: ours %v (cpu %v, %.1f MB), nmap %v (cpu %v, %.1f MB); states %v; %d disagreements %s",
			len(ours), om.wall, om.cpu, float64(om.maxRSS)/(1<<20), nm.wall, nm.cpu, float64(nm.maxRSS)/(1<<20), counts, len(diff), strings.Join(first(diff, 5), "; "))
	}
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
