package plan

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// LabFixtureFlag is the hidden agent flag that carries Env.LabFixture: the
// lab executor starts "ip netns exec NS <agent> agent --stdio
// --lab-fixture DIR" for a lab host with a fixture.
const LabFixtureFlag = "lab-fixture"

// ServeAgent is the agent side of the stdio protocol: it reads one Plan as
// JSON from r, runs it with env (see RunPlan), and writes each evidence
// record as one JSON line to w. When the plan asks for progress it also
// writes progress lines ({"progress": StepProgress}), at most one per
// step every ProgressEvery and always each step's last.
func ServeAgent(ctx context.Context, r io.Reader, w io.Writer, env Env) error {
	var plan Plan
	if err := json.NewDecoder(r).Decode(&plan); err != nil {
		return fmt.Errorf("reading plan: %w", err)
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	var (
		mu     sync.Mutex
		werr   error
		closed bool // a probe abandoned after Grace writes nothing more
	)
	write := func(v any) {
		mu.Lock()
		defer mu.Unlock()
		if werr == nil && !closed {
			if ev, ok := v.(results.Evidence); ok {
				werr = writeEvidence(bw, enc, ev)
			} else {
				werr = enc.Encode(v)
			}
		}
		if werr == nil {
			werr = bw.Flush()
		}
	}
	env.Progress = nil // only the plan asks for progress lines
	if plan.Progress {
		env.Progress = Throttle(ProgressEvery, nil, func(p StepProgress) { write(progressLine{Progress: p}) })
	}
	// Only this writer and the evidence digest read the records: an
	// egress sweep may keep its destinations compactly (probes.StreamsEvidence).
	RunPlan(probes.WithStreamedEvidence(ctx), plan, env, func(ev results.Evidence) { write(ev) })
	mu.Lock()
	defer mu.Unlock()
	closed = true
	if werr != nil {
		return fmt.Errorf("writing evidence: %w", werr)
	}
	return nil
}
