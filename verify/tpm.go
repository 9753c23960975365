package verify

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/google/go-tpm/tpm2"

	"github.com/sovbench/sovbench/results"
)

// TPMBinding checks that a TPM record is bound to this report's evidence:
// the record's evidence digest equals results.EvidenceDigest of the report,
// and every quote's qualifying data (TPMS_ATTEST.extraData) equals
// SHA-256(verifier nonce ‖ that digest), the nonce attest.QuoteNonce defines.
//
// It does not check the quote's signature, the AK or the PCRs: that is
// attest's verifier, which the TPM family provides; until it is wired in, a
// binding that passes here proves only that the recorded quote structures
// name this report's evidence, not that a TPM signed them.
func TPMBinding(e *results.Evidence, evidenceDigest []byte) error {
	t := e.TPM
	if len(t.Quotes) == 0 {
		return errNoQuote
	}
	if !bytes.Equal(t.Nonce.EvidenceDigest, evidenceDigest) {
		return fmt.Errorf("quote was made for evidence digest %x; this report's evidence hashes to %x", t.Nonce.EvidenceDigest, evidenceDigest)
	}
	want := quoteNonce(t.Nonce.Verifier, evidenceDigest)
	for i, q := range t.Quotes {
		att, err := tpm2.Unmarshal[tpm2.TPMSAttest](q.Quote)
		if err != nil {
			return fmt.Errorf("decoding quotes[%d] TPMS_ATTEST: %w", i, err)
		}
		if !bytes.Equal(att.ExtraData.Buffer, want) {
			return fmt.Errorf("quotes[%d] qualifying data %x, want SHA-256(verifier nonce ‖ evidence digest) = %x", i, att.ExtraData.Buffer, want)
		}
	}
	return nil
}

// quoteNonce is attest.QuoteNonce: SHA-256(verifierNonce ‖ evidenceDigest).
func quoteNonce(verifierNonce, evidenceDigest []byte) []byte {
	h := sha256.New()
	h.Write(verifierNonce)
	h.Write(evidenceDigest)
	return h.Sum(nil)
}
