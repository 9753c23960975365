// Package scenarios loads suite files (strict YAML), validates them against
// the probe dispatch map and the claim catalogue, runs their probes on their
// targets, and evaluates every claim into a verdict.
//
// A run's probes execute through a Plan: in process for local targets, and as
// "sovbench agent --stdio" for targets in a lab namespace or over SSH, which
// stream evidence back as JSON lines. Claim evaluation is pure, so anyone can
// re-evaluate a report's verdicts from its evidence (see Evaluate).
package scenarios
