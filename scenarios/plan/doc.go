// Package plan is what runs on a target: the Plan a runner or a verifier
// service sends (each step's probe kind, timeout and typed parameters as
// JSON), RunPlan, which runs it on this host (probes built by the
// constructor table in probes/kinds, evidence-binding kinds last and
// bound), and ServeAgent, the agent side of the stdio protocol
// ("sovbench agent --stdio"). Env carries what only whoever started the
// agent knows: a remote verifier's credential activation and a lab host's
// fixture tree.
//
// It builds no plans: scenarios/run turns a suite into plans (PlanFor),
// so that the agent, which links this package, links neither the suite
// loader nor the claim catalogue (cmd/sovbench-agent's deps test).
package plan
