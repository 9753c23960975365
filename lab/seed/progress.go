package seed

import (
	"sync"

	"github.com/sovbench/sovbench/scenarios/run"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// progress adds up the progress of a demo's suite runs (Options.Progress):
// Total is every probe of every run, known before the first starts; Done
// the probes finished; Running the attempts of the running ones as a
// fraction each, as run.Runner reports them. A probe that does not count
// its attempts weighs one probe, and moves the bar once, when it ends.
type progress struct {
	mu     sync.Mutex
	report func(run.Progress)
	steps  []int          // probes of each suite run
	runs   []run.Progress // each suite run's latest report
	total  int
}

// newProgress returns the sum of the runs of suites for report; nil when
// report is.
func newProgress(report func(run.Progress), suites []*suite.Suite) *progress {
	if report == nil {
		return nil
	}
	p := &progress{report: report, steps: make([]int, len(suites)), runs: make([]run.Progress, len(suites))}
	for i, s := range suites {
		for _, t := range s.Targets {
			p.steps[i] += len(s.StepsFor(t.Name))
		}
		p.total += p.steps[i]
	}
	return p
}

// forRun is the Runner.Progress of suite run i; nil when p is.
func (p *progress) forRun(i int) func(run.Progress) {
	if p == nil {
		return nil
	}
	return func(r run.Progress) {
		r.Done = min(r.Done, p.steps[i])
		p.set(i, r)
	}
}

// ended records that suite run i is over: all its probes count as done,
// also those a stopped run never ran.
func (p *progress) ended(i int) {
	if p != nil {
		p.set(i, run.Progress{Done: p.steps[i]})
	}
}

func (p *progress) set(i int, r run.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.runs[i] = r
	sum := run.Progress{Total: p.total, Latest: r.Latest}
	for _, x := range p.runs {
		sum.Done += x.Done
		sum.Running += x.Running
	}
	p.report(sum)
}
