package plan

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/sovbench/sovbench/results"
)

// LabFixtureFlag is the hidden agent flag that carries Env.LabFixture: the
// lab executor starts "ip netns exec NS <agent> agent --stdio
// --lab-fixture DIR" for a lab host with a fixture.
const LabFixtureFlag = "lab-fixture"

// ServeAgent is the agent side of the stdio protocol: it reads one Plan as
// JSON from r, runs it with env (see RunPlan), and writes each evidence
// record as one JSON line to w.
func ServeAgent(ctx context.Context, r io.Reader, w io.Writer, env Env) error {
	var plan Plan
	if err := json.NewDecoder(r).Decode(&plan); err != nil {
		return fmt.Errorf("reading plan: %w", err)
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	var werr error
	RunPlan(ctx, plan, env, func(ev results.Evidence) {
		if werr == nil {
			werr = enc.Encode(ev)
		}
		if werr == nil {
			werr = bw.Flush()
		}
	})
	if werr != nil {
		return fmt.Errorf("writing evidence: %w", werr)
	}
	return nil
}
