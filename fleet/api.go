package fleet

import (
	"time"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/results"
)

// EnrolRequest is the body of POST /v1/enrol.
type EnrolRequest struct {
	Token string `json:"token"`
	// Name is the agent's name (its host name by default); /probe's target.
	Name string `json:"name"`
	// CSR (DER, PKCS #10), if set, asks for a client certificate for the
	// CSR's key instead of a bearer credential (mutual TLS).
	CSR []byte `json:"csr,omitempty"`
}

// EnrolResponse carries the agent's credential: a bearer credential, or,
// for an enrolment with a CSR, a client certificate (DER) from the
// verifier's agent CA.
type EnrolResponse struct {
	AgentID     string `json:"agent_id"`
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
	RunID     string            `json:"run_id"`
	KeyID     string            `json:"key_id"`
	Satisfied bool              `json:"satisfied"`
	Verdicts  []results.Verdict `json:"verdicts"`
}

// apiError is the body of every refusal.
type apiError struct {
	// Code is stable (forbidden, revoked, nonce_used, nonce_expired,
	// nonce_unknown, too_large, bad_request, tpm_binding, tpm_activation,
	// unknown_suite, internal); tests match it.
	Code  string `json:"code"`
	Error string `json:"error"`
}
