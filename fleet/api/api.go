package api

import (
	"time"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/results"
)

// EnrolRequest is the body of POST /v1/enrol.
type EnrolRequest struct {
	Token string `json:"token"`
	// Name is the name the agent asks for (its host name by default; see
	// CheckName). It is a label for people, unique per verifier store: the
	// agent's identity is the ID the verifier issues, and which suite
	// target it answers for is bound by the verifier, not by this name.
	Name string `json:"name"`
	// CSR (DER, PKCS #10), if set, asks for a client certificate for the
	// CSR's key instead of a bearer credential (mutual TLS).
	CSR []byte `json:"csr,omitempty"`
}

// EnrolResponse carries the agent's identity and credential: a bearer
// credential, or, for an enrolment with a CSR, a client certificate (DER)
// from the verifier's agent CA.
type EnrolResponse struct {
	AgentID string `json:"agent_id"`
	// Name is the name the verifier recorded (the token may bind one).
	Name string `json:"name"`
	// Target is the suite target the verifier bound this agent to; empty:
	// the agent runs suites that have a single target.
	Target      string `json:"target,omitempty"`
	Credential  string `json:"credential,omitempty"`
	Certificate []byte `json:"certificate,omitempty"`
}

// NonceRequest is the body of POST /v1/nonce.
type NonceRequest struct {
	Suite string `json:"suite"`
}

// NonceResponse is a fresh single-use nonce and the run it opens.
type NonceResponse struct {
	// Nonce is 32 random bytes, base64; TPM quotes bind it.
	Nonce   string    `json:"nonce"`
	RunID   string    `json:"run_id"`
	Expires time.Time `json:"expires"`
	// SuiteSHA256 is the suite's digest; with RunID it enters the
	// evidence digest a TPM quote binds (results.EvidenceDigestOf).
	SuiteSHA256 string `json:"suite_sha256"`
}

// ActivateRequest is the body of POST /v1/activate: the agent's EK and
// fresh AK, for the run the nonce opened.
type ActivateRequest struct {
	Suite string        `json:"suite"`
	Nonce string        `json:"nonce"`
	EK    results.TPMEK `json:"ek"`
	AK    results.TPMAK `json:"ak"`
}

// ActivateResponse is the verifier's credential-activation challenge. The
// TPM's answer travels in the TPM evidence of the submission under the same
// nonce (results.TPMActivation.ChallengeID and Returned).
type ActivateResponse struct {
	Challenge attest.Challenge `json:"challenge"`
	Expires   time.Time        `json:"expires"`
}

// Submission is the body of POST /v1/submit: the evidence of one run of the
// plan and the nonce it was run under.
type Submission struct {
	Suite    string             `json:"suite"`
	Nonce    string             `json:"nonce"`
	Started  time.Time          `json:"started"`
	Evidence []results.Evidence `json:"evidence"`
}

// SubmitResponse is the verifier's verdict on a submission.
type SubmitResponse struct {
	RunID string `json:"run_id"`
	KeyID string `json:"key_id"`
	// AgentID is the agent the verifier recorded the run for.
	AgentID   string            `json:"agent_id"`
	Satisfied bool              `json:"satisfied"`
	Verdicts  []results.Verdict `json:"verdicts"`
}

// Error is the body of every refusal.
type Error struct {
	// Code is stable (one of the Code constants); tests match it.
	Code  string `json:"code"`
	Error string `json:"error"`
}

// Refusal codes (Error.Code).
const (
	CodeForbidden     = "forbidden"       // wrong, used or expired token; unknown credential or certificate
	CodeRevoked       = "revoked"         // the agent was revoked (or replaced)
	CodeNameTaken     = "name_taken"      // enrolment under a name another agent holds
	CodeBadName       = "bad_name"        // an agent name CheckName refuses
	CodeNonceUsed     = "nonce_used"      // a replayed submission
	CodeNonceExpired  = "nonce_expired"   // a nonce past its lifetime
	CodeNonceUnknown  = "nonce_unknown"   // never issued, or to another agent
	CodeTooManyNonces = "too_many_nonces" // the agent holds the most outstanding nonces allowed
	CodeTooLarge      = "too_large"       // a body over its size limit
	CodeSlowBody      = "slow_body"       // a body not sent within its read deadline
	CodeBadRequest    = "bad_request"     // malformed or non-strict JSON, a missing field
	CodeTPMBinding    = "tpm_binding"     // a TPM quote that does not bind the submission
	CodeTPMActivation = "tpm_activation"  // an AK the verifier did not challenge, or answered wrongly
	CodeUnknownSuite  = "unknown_suite"   // no such suite, or no target of it for this agent
	CodeInternal      = "internal"        // the verifier failed
)
