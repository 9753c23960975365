package verify

import (
	"bytes"
	"fmt"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/results"
)

// TPMBinding checks that a TPM record is bound to this report's evidence and
// that its quote is genuine: the recorded evidence digest must equal
// results.EvidenceDigest of the report for the record's target as it is now
// (evidence changed after
// the quote fails here), and attest.Verify must accept the record with that
// digest and the recorded verifier nonce — AK parameters and recorded
// activation, quote signature, nonce SHA-256(verifier nonce ‖ digest), PCR
// digest and event-log replay.
//
// The EK certificate chain is not checked here (attest.Options.
// AllowUnverifiedEK): which hardware and which manufacturer the TPM is are
// claims of the suite (tpm.*), and re-evaluating the verdicts covers them.
// The verifier nonce is the recorded one, so freshness rests on whoever
// chose it (see attest's package doc).
func TPMBinding(e *results.Evidence, evidenceDigest []byte) error {
	t := e.TPM
	if len(t.Quotes) == 0 {
		return errNoQuote
	}
	if !bytes.Equal(t.Nonce.EvidenceDigest, evidenceDigest) {
		return fmt.Errorf("quote was made for evidence digest %x; this report's evidence hashes to %x", t.Nonce.EvidenceDigest, evidenceDigest)
	}
	_, err := attest.Verify(t, attest.Options{VerifierNonce: t.Nonce.Verifier, EvidenceDigest: evidenceDigest, AllowUnverifiedEK: true})
	if err != nil {
		return fmt.Errorf("verifying TPM evidence: %w", err)
	}
	return nil
}
