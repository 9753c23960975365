package plan

import "sync"

// RunProgress is how far a run of plans has got, for a person watching it
// (a progress bar). Nothing in it reaches a report.
type RunProgress struct {
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
	StepProgress
}

// Tracker turns finished probes and step reports into RunProgress. Its
// methods are safe for concurrent use, and it calls report with its lock
// held: calls are serialised.
type Tracker struct {
	mu      sync.Mutex
	report  func(RunProgress)
	total   int
	done    map[string]bool    // evidence ids that arrived
	running map[string]float64 // evidence id -> fraction done
}

// NewTracker returns a tracker of total probes that reports to report.
func NewTracker(report func(RunProgress), total int) *Tracker {
	return &Tracker{report: report, total: total, done: map[string]bool{}, running: map[string]float64{}}
}

// Finished records that the evidence id arrived; nothing on a nil Tracker.
func (t *Tracker) Finished(id string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done[id] = true
	delete(t.running, id)
	t.report(t.snapshot(Attempt{}))
}

// ForPlan returns the sink of p's step reports (Env.Progress): a report
// for a step the plan does not have, with numbers that make no sense, or
// for a step already finished, is dropped. nil when t is nil.
func (t *Tracker) ForPlan(p Plan) func(StepProgress) {
	if t == nil {
		return nil
	}
	steps := map[string]bool{}
	for _, st := range p.Steps {
		steps[st.ID] = true
	}
	return func(sp StepProgress) {
		id := EvidenceID(p.Target.Name, sp.Step)
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

func (t *Tracker) snapshot(latest Attempt) RunProgress {
	pr := RunProgress{Done: len(t.done), Total: t.total, Latest: latest}
	for _, f := range t.running {
		pr.Running += f
	}
	return pr
}
