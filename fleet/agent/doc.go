// Package agent is the host side of a fleet: the client of the verifier
// service (package fleet, "sovbench serve") and the loop that enrols, runs
// a suite's plan on this host and submits the evidence (Serve). Both
// "sovbench agent --server" and the slim agent binary (cmd/sovbench-agent)
// run it.
//
// It links no database driver, no table or HTML rendering and no lab, so
// that the binary copied to hosts stays small; it imports fleet/api (the
// wire protocol) and scenarios/plan (what runs on a host), never fleet.
//
// What the agent reports is its host's word: the verifier checks the
// credential, the nonce and the TPM evidence's binding, and evaluates the
// claims itself.
package agent
