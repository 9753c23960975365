package attest

import "crypto/sha256"

// MinVerifierNonce is the smallest verifier nonce, in bytes, that Verify
// accepts and the collector quotes with.
const MinVerifierNonce = 16

// QuoteNonce is the qualifying data of the quote:
// SHA-256(verifierNonce ‖ evidenceDigest). The evidence digest is computed by
// the caller over the rest of the report, so the quote signature binds that
// evidence; the verifier nonce gives freshness (see the package doc for who
// chooses it and what that proves). Collect and Verify require a 32-byte
// evidence digest, so the concatenation is unambiguous.
func QuoteNonce(verifierNonce, evidenceDigest []byte) []byte {
	var buf [128]byte // one hash of the two, no hash state: the per-report path
	sum := sha256.Sum256(append(append(buf[:0], verifierNonce...), evidenceDigest...))
	return sum[:]
}
