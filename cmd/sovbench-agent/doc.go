// Command sovbench-agent is the slim agent: the one binary the harness
// copies to target hosts (lab namespaces, SSH hosts) and that hosts of a
// fleet run for a verifier. It holds only what runs on a host: the probes,
// the plan runner (scenarios/plan) and the verifier's client (fleet/agent);
// no SQLite or PostgreSQL driver, no tables or HTML, no lab, no SSH client,
// no TEE verifier, test signer or collateral fetching (go-sev-guest,
// go-tdx-guest, protobuf): a tee step's fetch_collateral needs the sovbench
// CLI as agent (deps_test.go keeps all of these out).
//
// Its package path, github.com/sovbench/sovbench/cmd/sovbench-agent, is
// stable: release builds (scripts/release) and the runner's default agent
// (scenarios/run, "sovbench-agent" beside the sovbench binary) rely on it.
//
//	sovbench-agent [agent] --stdio [--lab-fixture DIR]   (what runners start)
//	sovbench-agent [agent] --server URL --suite S [--token T] [--ca FILE]
//	    [--name N] [--credentials FILE] [--every D] [--mtls] [-o text|json]
//	sovbench-agent version
//
// The flags mean what they mean for "sovbench agent", which stays able to
// do the same work; exit codes are sovbench's: 0 every claim met its
// requirement, 1 a claim did not, 2 usage error, 3 runtime error.
package main
