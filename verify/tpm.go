package verify

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/claims"
)

// TPMBinding checks that a TPM record is bound to this report's evidence and
// that its quote is genuine: the recorded evidence digest must equal
// results.EvidenceDigest of the report for the record's target as it is now
// (evidence changed after the quote fails here), and attest.Verify must
// accept the record with that digest and the recorded verifier nonce — AK
// parameters and recorded activation, quote signature, nonce SHA-256(verifier
// nonce ‖ digest), PCR digest, firmware and clock as signed, event-log
// replay.
//
// Which hardware, maker and operator the TPM is are claims of the suite
// (tpm.*), judged by re-evaluating the verdicts; that a remote activation's
// verifier is the report's signer is Verifier's check (it knows the signer).
// The verifier nonce is the recorded one, so freshness rests on whoever
// chose it (see attest's package doc).
func TPMBinding(e *results.Evidence, evidenceDigest []byte) error {
	_, err := bindTPM(e, evidenceDigest, nil, nil)
	return err
}

// bindTPM is TPMBinding, verifying with roots (nil: no endorsement) as the
// claims do (claims.VerifyOptions) and with the AKs checked before (nil:
// none), and returns the platform for them.
func bindTPM(e *results.Evidence, evidenceDigest []byte, roots *attest.RootStore, aks *attest.AKCache) (*attest.Platform, error) {
	t := e.TPM
	if len(t.Quotes) == 0 {
		return nil, errNoQuote
	}
	if !bytes.Equal(t.Nonce.EvidenceDigest, evidenceDigest) {
		return nil, fmt.Errorf("quote was made for evidence digest %x; this report's evidence hashes to %x", t.Nonce.EvidenceDigest, evidenceDigest)
	}
	o := claims.VerifyOptions(e, roots)
	o.AKs = aks
	p, err := attest.Verify(t, o)
	if err != nil {
		return nil, fmt.Errorf("verifying TPM evidence: %w", err)
	}
	return p, nil
}

// bundled is the embedded EK CA bundle, built once.
var bundled = sync.OnceValue(attest.BundledRoots)

func (v *Verifier) roots() *attest.RootStore {
	if v.TPMRoots != nil {
		return v.TPMRoots
	}
	return bundled()
}

// tpmChecks checks every TPM evidence record's binding to the report and
// that a verifier-confirmed activation names the report's signer, and
// returns the verifications for re-evaluating the verdicts. records are
// the records' bytes in the signed payload (sign.Statement.Records; nil:
// encode them), which the evidence digest hashes.
func (v *Verifier) tpmChecks(rep *results.Report, records [][]byte, signer string) ([]Check, map[string]claims.Verification) {
	var out []Check
	verified := map[string]claims.Verification{}
	for i := range rep.Evidence {
		e := &rep.Evidence[i]
		if e.TPM == nil {
			continue
		}
		digest := results.EvidenceDigestFrom(rep.RunID, rep.Suite.SHA256, e.Target, rep.Evidence, records)
		var err error
		if v.TPM != nil {
			err = v.TPM(e, digest)
		} else {
			var p *attest.Platform
			p, err = bindTPM(e, digest, v.roots(), &v.aks)
			verified[e.ID] = claims.Verification{Platform: p, Err: err}
		}
		if err == nil {
			err = checkVerifierKey(e.TPM.Activation, signer)
		}
		if err != nil {
			out = append(out, Check{Name: CheckTPM, Subject: e.ID, Detail: err.Error()})
			continue
		}
		out = append(out, Check{Name: CheckTPM, Subject: e.ID, OK: true, Detail: "quote nonce commits to this report's evidence"})
	}
	return out, verified
}

// checkVerifierKey refuses a remote activation confirmed under a key other
// than the one that signed the report: only the challenging verifier can
// confirm it, in the report it signs, so another name is forged.
func checkVerifierKey(a results.TPMActivation, signer string) error {
	if a.Mode != results.ActivationVerifier || a.VerifierKey == signer {
		return nil
	}
	return fmt.Errorf("the activation says verifier key %s confirmed it, but the report is signed by %s: a forged or mismatched verifier name", a.VerifierKey, signer)
}
