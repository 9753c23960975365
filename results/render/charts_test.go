package render

import (
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/results"
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
