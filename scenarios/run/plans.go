package run

import (
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/plan"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// PlanFor builds the plan of one target of s, without TPM binding inputs
// (the runner adds its run id and nonce). It leaves out the steps that
// measure the target from outside (probes.Kind.Outside): those run on the
// auditor's machine (OutsidePlanFor), never on the target.
//
// Building plans lives here, on the auditor's side, and not in
// scenarios/plan: the agent that runs plans on hosts links plan's types
// and the probes, never the suite loader or the claim catalogue.
func PlanFor(s *suite.Suite, t suite.TargetSpec) plan.Plan {
	p := plan.Plan{Target: probes.Target{Name: t.Name, Kind: t.Kind}, Concurrency: s.Concurrency, SuiteSHA256: s.SHA256}
	p.Steps = stepsFor(s, t, false)
	return p
}

// OutsidePlanFor builds the plan of the steps that measure target t from
// outside, which the runner runs itself (with an Env holding the Atlas
// client). The plan's target carries t's address (an ssh target's host).
func OutsidePlanFor(s *suite.Suite, t suite.TargetSpec) plan.Plan {
	addr := ""
	if t.Kind == "ssh" {
		addr = t.Address
	}
	p := plan.Plan{Target: probes.Target{Name: t.Name, Kind: t.Kind, Address: addr}, Concurrency: s.Concurrency, SuiteSHA256: s.SHA256}
	p.Steps = stepsFor(s, t, true)
	return p
}

// stepsFor is t's steps that measure it from outside, or the others.
func stepsFor(s *suite.Suite, t suite.TargetSpec, outside bool) []plan.PlanStep {
	var out []plan.PlanStep
	for _, st := range s.StepsFor(t.Name) {
		if probes.IsOutside(st.Probe) == outside {
			out = append(out, plan.PlanStep{ID: st.ID, Probe: st.Probe, Timeout: results.Duration(st.Timeout), Params: st.Params})
		}
	}
	return out
}
