// Package api is the wire protocol between the verifier service (package
// fleet, "sovbench serve") and its agents (package fleet/agent): the JSON
// bodies of every call, the stable refusal codes, and the rule for agent
// names. It is pure data and imports nothing that touches a network, a
// database or a file, so both sides (and the slim agent binary) link it.
//
// The calls, over HTTPS:
//
//	POST /v1/enrol    EnrolRequest    -> EnrolResponse
//	GET  /v1/plan?suite=S             -> plan.Plan (scenarios/plan)
//	POST /v1/nonce    NonceRequest    -> NonceResponse
//	POST /v1/activate ActivateRequest -> ActivateResponse
//	POST /v1/submit   Submission      -> SubmitResponse
//
// Every refusal is an Error with a stable Code.
package api
