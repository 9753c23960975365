package claims

import (
	"sync"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/results"
)

// Context is what evaluating claims needs besides the evidence. The zero
// value evaluates an unsigned report against the embedded EK CA bundle.
type Context struct {
	// Signer is the key id of the key that signs (or signed) the report,
	// "" when it is unsigned. A TPM binding confirmed by a challenging
	// verifier counts only when that verifier's key is the signer.
	Signer string
	// Verifiers, if set, are the key ids trusted to confirm TPM bindings:
	// a binding confirmed by a signer outside them is the signer's word
	// only. Nil trusts the signer (whoever trusts a report's signer trusts
	// its verdicts); a relying party that knows which key its auditor's
	// verifier signs with names it, so that a provider signing its own
	// reports cannot confirm its own bindings.
	Verifiers []string
	// TPMRoots are the trust anchors of EK and AK certificates
	// (nil: attest.BundledRoots()).
	TPMRoots *attest.RootStore
	// Verified, if set, holds the verification of TPM records the caller
	// already did, by evidence ID (verify does it once per record for its
	// own check): each must be attest.Verify with VerifyOptions(record,
	// TPMRoots). Records it lacks are verified here.
	Verified map[string]Verification
}

// bundled is the embedded bundle, built once for every zero Context.
var bundled = sync.OnceValue(attest.BundledRoots)

// env is one evaluation's context and its cache of verified TPM records.
type env struct {
	ctx   Context
	roots *attest.RootStore
	tpm   map[*results.Evidence]Verification
}

// Verification is the outcome of attest.Verify on one TPM record.
type Verification struct {
	Platform *attest.Platform
	Err      error
}

func newEnv(ctx Context) *env {
	e := &env{ctx: ctx, roots: ctx.TPMRoots, tpm: map[*results.Evidence]Verification{}}
	if e.roots == nil {
		e.roots = bundled()
	}
	return e
}

// envOf returns the facts' env, or one of the zero Context.
func (f Facts) envOf() *env {
	if f.env == nil {
		return newEnv(Context{})
	}
	return f.env
}

// platform verifies a TPM record once per evaluation: the quote against the
// recorded verifier nonce and evidence digest (that the digest is this
// report's evidence is verify's check, TPMBinding), the EK chains at the
// record's own time, so that a verdict does not change with the day it is
// re-checked.
func (e *env) platform(ev *results.Evidence) (*attest.Platform, error) {
	if v, ok := e.tpm[ev]; ok {
		return v.Platform, v.Err
	}
	v, ok := e.ctx.Verified[ev.ID]
	if !ok {
		v.Platform, v.Err = attest.Verify(ev.TPM, VerifyOptions(ev, e.roots))
	}
	e.tpm[ev] = v
	return v.Platform, v.Err
}

// VerifyOptions are the attest.Options TPM claims verify a record with:
// its recorded nonce and digest, the roots, unendorsed TPMs accepted (the
// claims judge them), and certificates checked at the record's own time.
func VerifyOptions(ev *results.Evidence, roots *attest.RootStore) attest.Options {
	return attest.Options{
		VerifierNonce: ev.TPM.Nonce.Verifier, EvidenceDigest: ev.TPM.Nonce.EvidenceDigest,
		Roots: roots, AllowUnverifiedEK: true, Now: ev.Start,
	}
}
