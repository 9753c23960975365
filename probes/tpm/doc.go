// Package tpm is the TPM attestation probe: it opens a TPM through
// attest/collect and records the EK chain, an activated AK, a quote and the
// measured-boot log. It is a probes.Binder (its kind says BindsEvidence):
// bound, its quote binds the verifier's nonce and the digest of the rest of
// the target's evidence. Its parameters are probes.TPMParams; the step's
// timeout bounds the whole collection.
package tpm
