// Package progressline shows a run's progress (plan.RunProgress) on one
// line of a terminal: a label naming the latest attempt and a bar that
// fills with finished probes plus the fraction the running ones report.
//
// It is what the slim agent (cmd/sovbench-agent) draws while it runs a
// verifier's plan: small, with no progress-bar or table library, so the
// binary copied to hosts stays slim. sovbench's own bar (cmd/sovbench)
// uses the same Label.
package progressline
