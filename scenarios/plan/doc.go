// Package plan is what runs on a target: the Plan a runner or a verifier
// service sends (each step's probe kind, timeout and typed parameters as
// JSON), RunPlan, which runs it on this host (probes built by the
// constructor table in probes/kinds, evidence-binding kinds last and
// bound), and ServeAgent, the agent side of the stdio protocol
// ("sovbench agent --stdio"). Env carries what only whoever started the
// agent knows: a remote verifier's credential activation and a lab host's
// fixture tree.
package plan
