package claims

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/results"
)

// Activation policies of TPMTrust.Activation.
const (
	activationVerifier = "verifier"
	activationLocal    = "local"
)

// TPMTrust is the trust policy every TPM claim shares; each claim's
// parameters embed it inline. Trust anchors are never named by a path in a
// suite: a suite travels inside its reports to machines without that file.
// They come from the embedded EK CA bundle and the evaluator's --tpm-roots;
// a suite can only narrow them (Roots, ExcludeRoots), never add one — the
// suite may be the audited provider's.
type TPMTrust struct {
	// Roots, if set, accepts only EK chains ending at these anchors
	// ("sha256:<hex>" of the certificate).
	Roots []string `yaml:"roots"`
	// ExcludeRoots are anchors the claim never accepts.
	ExcludeRoots []string `yaml:"exclude_roots"`
	// AllowSimulated lets a software or unendorsed TPM satisfy the claims
	// that do not rest on endorsement (tpm.required without hardware,
	// tpm.secure_boot, tpm.pcr_policy; a software CA for
	// tpm.ek_chain_valid), for demos.
	AllowSimulated bool `yaml:"allow_simulated"`
	// Activation says who must have confirmed that the AK lives in the EK's
	// TPM for a verdict that rests on the EK: "verifier" (the default for
	// those verdicts; given explicitly, required by every verdict of the
	// claim) — a challenging verifier whose key signs the report — or
	// "local", which accepts the collector's in-process activation and says
	// so in the reason.
	Activation string `yaml:"activation"`
	// SoftwareRoots is no longer accepted (check says where software CAs go).
	SoftwareRoots []string `yaml:"software_roots"`
}

// check validates the policy when the suite is loaded.
func (tr TPMTrust) check() error {
	if len(tr.SoftwareRoots) > 0 {
		return errors.New("software_roots: software TPM CAs are given to the verifier (--tpm-roots DIR, under DIR/software), not named in a suite")
	}
	for _, list := range []struct {
		name string
		ids  []string
	}{{"roots", tr.Roots}, {"exclude_roots", tr.ExcludeRoots}} {
		for _, r := range list.ids {
			if _, err := attest.ParseRootDigest(r); err != nil {
				return fmt.Errorf("%s: %w; give the certificate files to the verifier with --tpm-roots DIR", list.name, err)
			}
		}
	}
	switch tr.Activation {
	case "", activationVerifier, activationLocal:
		return nil
	}
	return fmt.Errorf("activation: %q, want verifier or local", tr.Activation)
}

// accepts is the anchor filter of the policy.
func (tr TPMTrust) accepts(r *attest.Root) bool {
	has := func(list []string) bool {
		return slices.ContainsFunc(list, func(d string) bool { id, _ := attest.ParseRootDigest(d); return id == r.SHA256 })
	}
	return !has(tr.ExcludeRoots) && (len(tr.Roots) == 0 || has(tr.Roots))
}

// tpmView is a target's verified TPM record judged under a claim's policy.
type tpmView struct {
	p     *attest.Platform
	ref   string
	class attest.Class
	chain *attest.Chain // the accepted EK chain, nil when none
	// what says what the TPM is and on whose word.
	what string
	// binding says whose word the AK↔EK binding is; bindingErr is set when
	// it does not meet the policy for a verdict resting on the EK.
	binding    string
	bindingErr string
	// forged is set when the record names a verifier other than the signer.
	forged bool
}

// roots lists the anchor the view rests on, if any.
func (v *tpmView) roots() []string {
	if v.chain == nil {
		return nil
	}
	return []string{v.chain.Root.Digest()}
}

// tpmJudge verifies the target's first complete TPM record and judges it.
func tpmJudge(f Facts, tr TPMTrust) (*tpmView, *Outcome) {
	var failed *results.Evidence
	for _, e := range f.Of("tpm") {
		if e.Failure != nil || e.TPM == nil {
			failed = e
			continue
		}
		en := f.envOf()
		p, err := en.platform(e)
		if err != nil {
			o := fail("TPM evidence rejected: "+err.Error(), "rejected", e.ID)
			return nil, &o
		}
		v := &tpmView{p: p, ref: e.ID}
		v.class, v.chain, v.what = p.Classify(tr.accepts)
		v.judgeBinding(tr, en.ctx)
		return v, nil
	}
	if failed != nil {
		o := fail("no TPM evidence: "+failed.Failure.String(), "no TPM", failed.ID)
		return nil, &o
	}
	o := inconclusive("no TPM evidence for " + f.Target)
	return nil, &o
}

// judgeBinding says whose word the AK↔EK binding is and whether that meets
// the policy for a verdict resting on the EK.
func (v *tpmView) judgeBinding(tr TPMTrust, ctx Context) {
	b, signer := v.p.Binding, ctx.Signer
	switch {
	case b.Mode == results.ActivationVerifier && b.VerifierKey == signer && ctx.Verifiers != nil && !slices.Contains(ctx.Verifiers, signer):
		v.binding = "AK↔EK binding on the word of the report's signer " + short(signer) + ", which is not a verifier you trust (--tpm-verifier-key)"
		v.bindingErr = v.binding
	case b.Mode == results.ActivationVerifier && b.VerifierKey == signer:
		v.binding = "AK↔EK binding confirmed by challenging verifier key " + short(b.VerifierKey) + ", the report's signer"
	case b.Mode == results.ActivationVerifier:
		signed := "the report is unsigned"
		if signer != "" {
			signed = "the report is signed by key " + short(signer)
		}
		v.forged = true
		v.binding = "AK↔EK binding unconfirmed: the record names verifier key " + short(b.VerifierKey) + " but " + signed + " (a forged or mismatched verifier)"
		v.bindingErr = v.binding
	default:
		v.binding = "AK↔EK binding on the collector's and the report signer's own word (local activation)"
		if tr.Activation != activationLocal {
			v.bindingErr = v.binding + "; a verdict on the EK needs a challenging verifier (activation: verifier, the default): run through sovbench serve, or set activation: local to accept it"
		}
	}
}

// short abbreviates a key id for a reason.
func short(id string) string {
	if len(id) > 16 {
		return id[:16] + "…"
	}
	return id
}

// quoteWord says whose word the quote's freshness is.
func (v *tpmView) quoteWord() string {
	if v.p.NonceSource == "remote" {
		return "quote signed by the AK over a verifier's nonce"
	}
	return "quote signed by the AK over the harness's nonce (freshness on the signer's word)"
}

// selfReport shows what the TPM says about itself, marked unverified.
func (v *tpmView) selfReport() string {
	m := v.p.SelfReported.Manufacturer
	return fmt.Sprintf("the TPM says %s (%s) firmware %s (maker self-reported, unsigned; firmware signed in the quote)", m.ASCII, m.Name, v.p.Firmware)
}

// continuity is the resets and restarts the AK saw, for a reason.
func (v *tpmView) continuity() string {
	if len(v.p.Continuity) == 0 {
		return ""
	}
	return "; " + strings.Join(v.p.Continuity, "; ")
}

// requireReal is the gate of claims that need a real (endorsed) TPM unless
// the suite allows simulated ones: nil when the claim may go on.
func (v *tpmView) requireReal(tr TPMTrust, claim string) *Outcome {
	if tr.Activation == activationVerifier && v.bindingErr != "" || v.forged {
		o := v.out(inconclusive(v.bindingErr, v.ref))
		return &o
	}
	if tr.AllowSimulated {
		return nil
	}
	var o Outcome
	switch v.class {
	case attest.ClassSoftware:
		o = fail(fmt.Sprintf("software TPM cannot satisfy %s (%s); set allow_simulated for a demo", claim, v.what), "software", v.ref)
	case attest.ClassUnendorsed:
		o = inconclusive(fmt.Sprintf("nothing shows a real TPM for %s: %s; %s", claim, v.what, v.selfReport()), v.ref)
	default:
		if v.bindingErr == "" {
			return nil
		}
		o = inconclusive(v.what+"; "+v.bindingErr, v.ref)
	}
	o = v.out(o)
	return &o
}

// out adds the anchors the view rests on to an outcome.
func (v *tpmView) out(o Outcome) Outcome {
	o.Roots = v.roots()
	return o
}

// matchAny returns the first name contained (case-insensitively) in one of
// the values.
func matchAny(names []string, values ...string) string {
	for _, n := range names {
		for _, v := range values {
			if n != "" && v != "" && strings.Contains(strings.ToLower(v), strings.ToLower(n)) {
				return n
			}
		}
	}
	return ""
}
