package probes

import "github.com/sovbench/sovbench/attest"

// QuoteBinding is what an evidence-binding probe's quote binds: the
// verifier's nonce and the digest of the rest of the target's evidence
// (results.EvidenceDigestOf).
type QuoteBinding struct {
	VerifierNonce []byte
	// VerifierSource is "harness" when the harness drew the nonce itself
	// (a one-shot local run: see the attest package doc for what that
	// proves) or "remote" when a separate verifier sent it.
	VerifierSource string
	EvidenceDigest []byte
	// Activate, if set, has the remote verifier challenge the AK
	// (credential activation over the wire); nil activates locally.
	Activate attest.Activator
}

// Binder is a probe whose evidence binds the rest of its target's evidence
// (a TPM quote over the evidence digest). Its kind says BindsEvidence; the
// plan runner runs such probes after every other probe of the target and
// calls Bind before Run. A Binder that was never bound still runs: it binds
// a nonce of its own and records that it bound no other evidence.
type Binder interface {
	Probe
	// Bind sets what the next Run binds.
	Bind(QuoteBinding)
}
