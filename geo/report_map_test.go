package geo

import (
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/results"
)

func TestReportMapDrawsTheRegionWithTheClaimedCountry(t *testing.T) {
	r := Solve(synthetic(bissen, europeLandmarks(t), 1.2, 100*time.Microsecond), Options{})
	rep := &results.Report{
		Provider: results.Provider{Name: "clarence"},
		Evidence: []results.Evidence{
			{ID: "vm1/host", Target: "vm1", Probe: "host"},
			{ID: "vm1/rtt", Target: "vm1", Probe: "rtt", Latency: &results.LatencyDetails{Location: &r.Geolocation}},
		},
		Verdicts: []results.Verdict{{Claim: "location.in", Params: "LU", Target: "vm1"}},
	}
	svg, err := ReportMap(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "clarence — vm1", "<title>Luxembourg</title>", "feasible region"} {
		if !strings.Contains(svg, want) {
			t.Errorf("map lacks %q", want)
		}
	}
	rep.Evidence = rep.Evidence[:1]
	if svg, _ := ReportMap(rep); svg != "" {
		t.Error("a report without a region got a map")
	}
}
