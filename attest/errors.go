package attest

import (
	"fmt"
	"strings"
)

// Stage names the verification step that failed.
type Stage string

// The verification stages, in the order Verify runs them.
const (
	StageInput      Stage = "input"
	StageAK         Stage = "ak"
	StageActivation Stage = "activation"
	StageNonce      Stage = "nonce"
	StageSignature  Stage = "signature"
	StagePCRDigest  Stage = "pcr_digest"
	// StageConsistency: the record's readable copies against the signed quote.
	StageConsistency Stage = "consistency"
	StageReplay      Stage = "replay"
	StageEventLog    Stage = "event_log"
	StageEKChain     Stage = "ek_chain"
)

// VerifyError is a verification failure at one stage. The more specific
// types below wrap it; match them with errors.As.
type VerifyError struct {
	Stage  Stage
	Reason string
	Err    error
}

func (e *VerifyError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("verifying TPM evidence: %s: %s: %v", e.Stage, e.Reason, e.Err)
	}
	return fmt.Sprintf("verifying TPM evidence: %s: %s", e.Stage, e.Reason)
}

func (e *VerifyError) Unwrap() error { return e.Err }

func fail(stage Stage, err error, format string, args ...any) *VerifyError {
	return &VerifyError{Stage: stage, Reason: fmt.Sprintf(format, args...), Err: err}
}

// NonceMismatchError: the quote's qualifying data is not
// QuoteNonce(verifier nonce, evidence digest). A quote from another run, or
// evidence changed after the quote.
type NonceMismatchError struct {
	Want, Got []byte
}

func (e *NonceMismatchError) Error() string {
	return fmt.Sprintf("verifying TPM evidence: nonce: quote carries %x, want %x (replayed from another run, or evidence changed after the quote)", e.Got, e.Want)
}

// SignatureError: the quote signature does not verify with the AK.
type SignatureError struct{ Err error }

func (e *SignatureError) Error() string {
	return fmt.Sprintf("verifying TPM evidence: signature: quote not signed by this AK: %v", e.Err)
}

func (e *SignatureError) Unwrap() error { return e.Err }

// PCRMismatchError: PCR values disagree with the quote's PCR digest
// (PCRs nil: the composite digest differs) or with the event-log replay
// (PCRs lists the PCRs whose replay differs).
type PCRMismatchError struct {
	Source string // "quote" or "event log"
	PCRs   []int
}

func (e *PCRMismatchError) Error() string {
	if len(e.PCRs) == 0 {
		return fmt.Sprintf("verifying TPM evidence: PCR values do not match the %s", e.Source)
	}
	s := make([]string, len(e.PCRs))
	for i, p := range e.PCRs {
		s[i] = fmt.Sprint(p)
	}
	return fmt.Sprintf("verifying TPM evidence: PCR %s do not match the %s", strings.Join(s, ", "), e.Source)
}

// ReplayError: the quote was already accepted once by this ReplayCache.
type ReplayError struct{ Nonce []byte }

func (e *ReplayError) Error() string {
	return fmt.Sprintf("verifying TPM evidence: replay: quote with nonce %x was already accepted", e.Nonce)
}

// EKChainError: the EK certificate is missing, does not match the EK, or
// does not chain to a trusted root.
type EKChainError struct {
	Reason string
	Err    error
}

func (e *EKChainError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("verifying TPM evidence: EK chain: %s: %v", e.Reason, e.Err)
	}
	return "verifying TPM evidence: EK chain: " + e.Reason
}

func (e *EKChainError) Unwrap() error { return e.Err }
