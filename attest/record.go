package attest

import (
	"errors"

	"github.com/sovbench/sovbench/results"
)

// RecordVerifier returns a check for one TPM evidence record of a report,
// shaped for verify.Verifier.TPM: it runs Verify with the record's verifier
// nonce and evidenceDigest, the digest the caller recomputed over the
// report's other evidence (results.EvidenceDigest), so a quote made for other
// evidence or another run fails with *NonceMismatchError. The EK chain is
// checked against roots when given but an unverified chain is not an error
// here: claims (tpm.ek_chain_valid, tpm.required{hardware}) judge it.
func RecordVerifier(roots *RootStore) func(e *results.Evidence, evidenceDigest []byte) error {
	return func(e *results.Evidence, evidenceDigest []byte) error {
		if e.TPM == nil {
			if e.Failure != nil {
				return nil // a TPM probe that failed recorded why; nothing to verify
			}
			return errors.New("verifying TPM evidence: record has no TPM details")
		}
		_, err := Verify(e.TPM, Options{
			VerifierNonce: e.TPM.Nonce.Verifier, EvidenceDigest: evidenceDigest,
			Roots: roots, AllowUnverifiedEK: true,
		})
		return err
	}
}
