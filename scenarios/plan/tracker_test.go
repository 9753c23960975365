package plan

import (
	"testing"

	"github.com/sovbench/sovbench/probes"
)

func TestTrackerDropsReportsItDidNotAskFor(t *testing.T) {
	var got []RunProgress
	tr := NewTracker(func(p RunProgress) { got = append(got, p) }, 1)
	f := tr.ForPlan(Plan{Target: probes.Target{Name: "a"}, Steps: []PlanStep{{ID: "egress"}}})
	f(StepProgress{Step: "other"})  // a step the plan lacks
	f(StepProgress{Step: "egress"}) // no total
	tr.Finished("a/egress")
	f(StepProgress{Step: "egress", Progress: probes.Progress{Unit: "d", Done: 1, Total: 2}}) // after its evidence
	if len(got) != 1 || got[0].Running != 0 || got[0].Done != 1 || got[0].Latest.Step != "" {
		t.Fatalf("progress %+v", got)
	}
}
