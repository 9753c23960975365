package verify

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/sovbench/sovbench/attest/tee"
	"github.com/sovbench/sovbench/results"
)

// clockSlack is how far a TEE record's start may lie outside its report's
// run (clocks of the harness and the target differ a little).
const clockSlack = time.Minute

// TEEBinding checks that a TEE record is bound to this report's evidence
// and that its report is genuine: the recorded evidence digest must equal
// results.EvidenceDigest of the report for the record's target as it is now
// (evidence changed after the report fails here), the record must have
// been collected during the run (its certificates and collateral are
// checked at that time), and tee.Verify must accept it with that digest and
// the recorded verifier nonce: signature, chain, REPORT_DATA, TCB and chip
// consistency.
//
// Whose root the chain ends at (AMD's, Intel's or a test signer's) is a
// matter for the suite's tee.* claims, which re-evaluating the verdicts
// covers: here the root the evidence itself carries is accepted as a test
// root, so a test-signed report binds too, and the check says whose word it is.
func TEEBinding(e *results.Evidence, evidenceDigest []byte, rep *results.Report) (string, error) {
	d := e.TEE
	if !bytes.Equal(d.Nonce.EvidenceDigest, evidenceDigest) {
		return "", fmt.Errorf("TEE report was made for evidence digest %x; this report's evidence hashes to %x", d.Nonce.EvidenceDigest, evidenceDigest)
	}
	if !rep.Started.IsZero() && !rep.Ended.IsZero() &&
		(e.Start.Before(rep.Started.Add(-clockSlack)) || e.Start.After(rep.Ended.Add(clockSlack))) {
		return "", fmt.Errorf("TEE record says it was collected at %s, outside the run (%s to %s)", e.Start.Format(time.RFC3339), rep.Started.Format(time.RFC3339), rep.Ended.Format(time.RFC3339))
	}
	roots := &tee.Roots{}
	if r := tee.CarriedRoot(d); r != nil {
		roots.Add(r, "the root the evidence carries")
	}
	p, err := tee.Verify(d, tee.Options{VerifierNonce: d.Nonce.Verifier, EvidenceDigest: evidenceDigest, TestRoots: roots, Now: e.Start})
	if err != nil {
		return "", fmt.Errorf("verifying TEE evidence: %w", err)
	}
	return fmt.Sprintf("%s report data commits to this report's evidence; signed by %s", p.Kind, p.Word()), nil
}

// errNoTEEReport says a TEE record has no report.
var errNoTEEReport = errors.New("TEE evidence has no report")
