package seed

import (
	"testing"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/scenarios/plan"
	"github.com/sovbench/sovbench/scenarios/run"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// TestDemoProgressSumsTheRuns: the demo's bar counts every probe of every
// suite run from the start, moves inside a running probe by its attempts,
// and a run that ends (also one stopped early) counts whole.
func TestDemoProgressSumsTheRuns(t *testing.T) {
	parse := func(body string) *suite.Suite {
		s, err := suite.Parse("t.yaml", []byte("suite: t\nprovider: {name: p}\nbudget: 1m\n"+body+"claims:\n  - hypervisor.present: true\n"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	two := parse("targets: [{name: a}, {name: b}]\nprobes:\n  - probe: host\n")                                                 // 2 probes
	three := parse("probes:\n  - probe: host\n  - probe: controlplane\n    params: {url: \"http://127.0.0.1:1\", count: 10}\n") // 2 probes
	var got []run.Progress
	p := newProgress(func(r run.Progress) { got = append(got, r) }, []*suite.Suite{two, three})
	attempt := run.Attempt{Target: "local", StepProgress: plan.StepProgress{Step: "controlplane", Progress: probes.Progress{Unit: "requests", Done: 4, Total: 10}}}
	p.forRun(1)(run.Progress{Done: 1, Total: 2, Running: 0.4, Latest: attempt})
	p.forRun(0)(run.Progress{Done: 1, Total: 2})
	last := got[len(got)-1]
	if last.Total != 4 || last.Done != 2 || last.Running != 0.4 || got[0].Latest != attempt {
		t.Fatalf("progress %+v", got)
	}
	p.ended(0) // stopped with one probe not run: the run is over
	p.ended(1)
	if last = got[len(got)-1]; last.Done != 4 || last.Total != 4 || last.Running != 0 {
		t.Fatalf("after both runs ended: %+v", last)
	}
	none := newProgress(nil, []*suite.Suite{two})
	if none.forRun(0) != nil {
		t.Fatal("a progress without a sink handed the runner one")
	}
	none.ended(0) // must not panic
}
