// Package fleet is the verifier service and its agent: hosts of a fleet run
// a suite's probes ("sovbench agent --server") and submit the evidence to a
// verifier ("sovbench serve") that evaluates the claims, signs the report
// with the service key and stores it, so that dozens of hosts can be
// watched continuously (Prometheus scrapes /metrics and /probe).
//
// The protocol, over HTTPS:
//
//	POST /v1/enrol    {token, name}            -> {agent_id, credential}
//	GET  /v1/plan?suite=S                      -> plan.Plan (scenarios/plan)
//	POST /v1/nonce    {suite}                  -> {nonce, run_id, expires}
//	POST /v1/activate {suite, nonce, ek, ak}   -> {challenge, expires}
//	POST /v1/submit   {suite, nonce, evidence} -> {run_id, verdicts}
//	GET  /metrics, GET /probe?suite=S&target=AGENT[&max_age=D]
//
// An agent's identity is the ID the verifier issued (in its credential or
// its client certificate); its name is a label, unique per store, and the
// suite target it answers for is bound by the operator's token (Token),
// never by the name. /probe and the run metrics read the store, so every
// verifier sharing it answers alike; a revoked, replaced or stale agent's
// probe fails with its reason.
//
// Every call after enrolment carries "Authorization: Bearer <credential>",
// or, for an agent that enrolled with a CSR (mutual TLS), its client
// certificate from the verifier's own agent CA (AgentCA), which names the
// agent in a URI SAN; a presented certificate that does not verify against
// that CA is refused, whatever else the call carries. Enrolment tokens and
// credentials are stored as SHA-256 hashes and compared in constant time. A nonce is single use, expires, and belongs to the agent
// that asked for it: a replayed, unknown or expired nonce is refused, so a
// submission is fresh. TPM evidence must bind the issued nonce and the
// digest of the submitted evidence (results.EvidenceDigestOf), which the
// service checks with verify.TPMBinding before it signs anything.
//
// The service runs credential activation itself, because only that proves
// to it that the quoting AK lives in the TPM whose EK it checked: for an
// outstanding nonce, /v1/activate checks the EK and the fresh AK and returns
// a secret encrypted to the EK for that AK (attest.NewChallenge), keeping
// the secret in memory. The agent's TPM decrypts it and the answer travels
// in the TPM record of the submission under the same nonce; the service
// spends the challenge (single use, bound to the agent and the nonce) and
// compares the secret in constant time (attest.ConfirmActivation). TPM
// evidence from an AK it did not challenge, or answered wrongly, is refused
// with code tpm_activation.
//
// The service keeps tokens, agents, the run index and each agent's latest
// run in a Store: an SQLite file for one verifier, or a PostgreSQL database
// ("postgres://…", OpenStore) for large fleets or several verifiers
// sharing it. fleet/pgtest starts a throwaway PostgreSQL for tests.
//
// The wire protocol (request and response bodies, refusal codes, the rule
// for agent names) is package fleet/api; the agent's side (the client and
// the enrol-run-submit loop) is package fleet/agent, which links neither
// this package nor any database driver, so that the slim agent binary
// (cmd/sovbench-agent) stays small.
//
// It is a package of its own, not part of scenarios, because it adds a
// network service, credentials and metrics that local and SSH runs never
// need; it imports scenarios (plans, evaluation), verify and results, and
// only cmd imports it.
package fleet
