package probes

import (
	"context"
	"sync"
	"time"

	"github.com/sovbench/sovbench/results"
)

// Target describes the host a probe runs on, as the suite names it. Probes
// always run on the host they are executing on; Target only labels evidence.
type Target struct {
	Name string
	Kind string // local, lab, ssh
	// Address is the target's address as the suite names it (an ssh
	// target's host), set only for probes that measure the target from
	// outside (Kind.Outside).
	Address string `json:",omitempty"`
}

// Probe is one kind of measurement, configured and ready to run.
type Probe interface {
	// Name is the probe kind as suites name it ("host", "egress", ...).
	Name() string
	// Version changes whenever what the probe records changes meaning.
	Version() string
	// Run measures. The error means only that the probe could not run at all;
	// what the host or the network did is recorded in the evidence.
	Run(ctx context.Context, t Target) (results.Evidence, error)
}

// FixtureReader is a probe that reads the identity of the host it runs on
// from files (the host probe), and so can be pointed at a lab host's fixture
// tree instead: a lab namespace shares the real machine's /sys, /proc and
// CPUID. Only the lab does that (plan.Env.LabFixture in scenarios/plan, from
// the agent's hidden --lab-fixture flag); no suite parameter or plan field
// reaches it.
type FixtureReader interface {
	Probe
	// WithFixture returns a copy of the probe that reads the tree at root
	// in place of "/"; its evidence says it came from a fixture.
	WithFixture(root string) (Probe, error)
}

// Recorder builds one Evidence record: it stamps the start, records
// observations with times relative to it on the monotonic clock, and finishes
// with the duration. It is safe for concurrent use.
type Recorder struct {
	mu    sync.Mutex
	start time.Time
	ev    results.Evidence
}

// Begin starts recording evidence for probe p on target t.
func Begin(p Probe, t Target) *Recorder {
	now := time.Now()
	return &Recorder{start: now, ev: results.Evidence{
		Probe: p.Name(), ProbeVersion: p.Version(), Target: t.Name, Start: now.UTC(),
	}}
}

// Since is the time elapsed since Begin, on the monotonic clock.
func (r *Recorder) Since() time.Duration { return time.Since(r.start) }

// Offset is how long after Begin the instant t was, on the monotonic clock
// when t has one: the "at" of anything the probe records itself.
func (r *Recorder) Offset(t time.Time) time.Duration { return t.Sub(r.start) }

// Observe records one operation that started at began and ended now. err,
// when not nil, is classified; it is recorded, never returned.
func (r *Recorder) Observe(op, addr string, began time.Time, err error, note string) *results.Failure {
	f := Classify(op, err)
	o := results.Observation{
		At: results.Duration(began.Sub(r.start)), Operation: op, Address: addr,
		Took: results.Duration(time.Since(began)), Failure: f, Note: note,
	}
	r.mu.Lock()
	r.ev.Observations = append(r.ev.Observations, o)
	r.mu.Unlock()
	return f
}

// Finish returns the evidence with its duration set. fill, if not nil, sets
// the probe-specific details under the recorder's lock.
func (r *Recorder) Finish(fill func(ev *results.Evidence)) results.Evidence {
	r.mu.Lock()
	defer r.mu.Unlock()
	if fill != nil {
		fill(&r.ev)
	}
	r.ev.Duration = results.Duration(time.Since(r.start))
	return r.ev
}
