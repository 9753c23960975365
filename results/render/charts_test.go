package render

import (
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/internal/testreport"
)

// A landmark that never answered gets no bar: a zero-length bar would read
// as the fastest answer. Answers are in human units.
func TestLandmarkChartDrawsNoBarForNoAnswer(t *testing.T) {
	svg := string(landmarkChart([]results.LandmarkRTT{
		{Name: "paris", Samples: []results.Duration{results.Duration(1137382 * time.Nanosecond)}},
		{Name: "tokyo", Lost: 5},
	}))
	if n := strings.Count(svg, "<rect"); n != 1 {
		t.Errorf("%d bars, want 1 (tokyo never answered):\n%s", n, svg)
	}
	for _, want := range []string{"no answer", "1.14 ms"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q:\n%s", want, svg)
		}
	}
	if strings.Contains(svg, "1.137382ms") || strings.Contains(svg, ">0s<") {
		t.Errorf("raw Go durations in the chart:\n%s", svg)
	}
}

// The report page names each egress destination with its role, and says
// which got through and how.
func TestHTMLNamesDestinationsWithTheirRole(t *testing.T) {
	r := testreport.Clarence()
	e := &r.Evidence[len(r.Evidence)-1]
	for i := range r.Evidence {
		if r.Evidence[i].Egress != nil {
			e = &r.Evidence[i]
			break
		}
	}
	e.Egress.Destinations = []results.EgressDestination{
		{Host: "198.18.9.9", Port: 9000, Protocol: "tcp", Category: "replication", Tried: true, Reachable: true, Via: []string{"tcp"}},
		{Host: "198.18.1.1", Port: 7, Protocol: "tcp", Category: "provider", Control: true, Tried: true, Reachable: true, Via: []string{"tcp"}},
		{Host: "198.18.9.10", Protocol: "icmp", Category: "internet", Tried: false},
	}
	page := renderHTML(t, r, HTMLOptions{})
	for _, want := range []string{"<code>198.18.9.9:9000/tcp</code></td><td class=\"where\">replication, place not stated</td><td><b>yes</b></td><td>tcp</td>",
		"positive control (provider)", `<span class="muted">not tried</span>`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
