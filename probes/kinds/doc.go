// Package kinds is the constructor table: it builds the probe of each kind
// (probes/egress, probes/host, ...) from the kind's typed parameters
// (probes.Params). Only the side that runs probes imports it (the plan
// runner, which agents and one-shot runs share); suite loading and
// offline verification use the pure kind table in probes and link no probe
// implementation.
package kinds
