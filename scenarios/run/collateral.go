package run

import (
	"context"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/probes/tee"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/plan"
)

// completeTEE passes p's records on to emit, completing on this machine
// (the auditor's) the TEE collateral a slim agent could not fetch
// (tee.CompleteOnAuditor: the step asked for fetch_collateral, the agent
// links no fetcher); ctx bounds the fetches with each step's
// fetch_timeout.
func completeTEE(ctx context.Context, p plan.Plan, emit func(results.Evidence)) func(results.Evidence) {
	params := map[string]probes.Params{}
	for _, st := range p.Steps {
		if st.Probe == probes.TEEName {
			params[plan.EvidenceID(p.Target.Name, st.ID)] = st.Params
		}
	}
	if len(params) == 0 {
		return emit
	}
	return func(ev results.Evidence) {
		if pp, ok := params[ev.ID]; ok {
			tee.CompleteOnAuditor(ctx, &ev, pp)
		}
		emit(ev)
	}
}
