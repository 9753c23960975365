package run

import (
	"context"
	"sync"

	"github.com/sovbench/sovbench/scenarios/plan"
)

// Progress is how far a run has got, for a person watching it (the CLI's
// progress bar). Nothing in it reaches the report.
type Progress struct {
	// Done and Total count the run's probes: finished, and in all.
	Done, Total int
	// Running is how far the probes still running have got by their own
	// count of attempts, summed: each that reports adds the fraction
	// done of its latest report, between 0 and 1.
	Running float64
	// Latest is the report that prompted this call; its Step is "" when a
	// probe finished.
	Latest Attempt
}

// Attempt is one progress report of a running step: Done of Total units
// (egress destinations, rtt samples) of the step on the target.
type Attempt struct {
	Target string
	plan.StepProgress
}

// tracker turns finished probes and step reports into Progress for
// Runner.Progress. Its methods are safe for concurrent use.
type tracker struct {
	mu      sync.Mutex
	report  func(Progress)
	total   int
	done    map[string]bool    // evidence ids that arrived
	running map[string]float64 // evidence id -> fraction done
}

func newTracker(report func(Progress), total int) *tracker {
	return &tracker{report: report, total: total, done: map[string]bool{}, running: map[string]float64{}}
}

// finished records that the evidence id arrived.
func (t *tracker) finished(id string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done[id] = true
	delete(t.running, id)
	t.report(t.snapshot(Attempt{}))
}

// forPlan returns the sink of p's step reports: a report for a step the
// plan does not have, or for one already finished, is dropped. nil when
// the tracker is.
func (t *tracker) forPlan(p plan.Plan) func(plan.StepProgress) {
	if t == nil {
		return nil
	}
	steps := map[string]bool{}
	for _, st := range p.Steps {
		steps[st.ID] = true
	}
	return func(sp plan.StepProgress) {
		id := plan.EvidenceID(p.Target.Name, sp.Step)
		if !steps[sp.Step] || sp.Total <= 0 || sp.Done < 0 || sp.Done > sp.Total {
			return
		}
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.done[id] {
			return
		}
		t.running[id] = float64(sp.Done) / float64(sp.Total)
		t.report(t.snapshot(Attempt{Target: p.Target.Name, StepProgress: sp}))
	}
}

func (t *tracker) snapshot(latest Attempt) Progress {
	pr := Progress{Done: len(t.done), Total: t.total, Latest: latest}
	for _, f := range t.running {
		pr.Running += f
	}
	return pr
}

type progressKey struct{}

// withProgress hands an executor the sink of its plan's step reports.
func withProgress(ctx context.Context, f func(plan.StepProgress)) context.Context {
	if f == nil {
		return ctx
	}
	return context.WithValue(ctx, progressKey{}, f)
}

// progressFrom is the sink withProgress put in ctx, nil if none.
func progressFrom(ctx context.Context) func(plan.StepProgress) {
	f, _ := ctx.Value(progressKey{}).(func(plan.StepProgress))
	return f
}
