package fleet

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios"
)

// RunOnce runs suite once on this host for the verifier c talks to: fetch
// the plan, get a nonce, run the probes (TPM probes last: the verifier
// challenges each fresh AK over /v1/activate, and the quote binds the nonce
// and the digest of the other evidence), submit, and return the verifier's
// verdicts.
func RunOnce(ctx context.Context, c *Client, suite string) (SubmitResponse, error) {
	plan, err := c.Plan(ctx, suite)
	if err != nil {
		return SubmitResponse{}, err
	}
	n, err := c.Nonce(ctx, suite)
	if err != nil {
		return SubmitResponse{}, err
	}
	raw, err := base64.StdEncoding.DecodeString(n.Nonce)
	if err != nil {
		return SubmitResponse{}, fmt.Errorf("decoding nonce: %w", err)
	}
	sub := Submission{Suite: suite, Nonce: n.Nonce, Started: time.Now().UTC()}
	rctx, cancel := context.WithDeadline(ctx, n.Expires)
	defer cancel()
	sub.Evidence = runBound(rctx, plan, n.RunID, n.SuiteSHA256, raw, c.Activator(suite, n.Nonce))
	return c.Submit(ctx, sub)
}

// runBound runs the plan's non-TPM steps, then its TPM steps with the quote
// bound to the verifier nonce and the digest of the evidence so far, and
// their AKs activated by the verifier's challenge (activate).
func runBound(ctx context.Context, plan scenarios.Plan, runID, suiteSHA string, nonce []byte, activate attest.Activator) []results.Evidence {
	var (
		mu  sync.Mutex
		out []results.Evidence
	)
	emit := func(ev results.Evidence) { mu.Lock(); out = append(out, ev); mu.Unlock() }
	rest, tpm := plan, plan
	rest.Steps, tpm.Steps = nil, nil
	for _, st := range plan.Steps {
		if strings.HasPrefix(st.Probe, "tpm") {
			tpm.Steps = append(tpm.Steps, st)
		} else {
			rest.Steps = append(rest.Steps, st)
		}
	}
	scenarios.RunPlan(ctx, rest, emit)
	if len(tpm.Steps) > 0 {
		mu.Lock()
		d := results.EvidenceDigestOf(runID, suiteSHA, plan.Target.Name, out)
		mu.Unlock()
		bctx := probes.WithQuoteBinding(ctx, probes.QuoteBinding{VerifierNonce: nonce, VerifierSource: "remote", EvidenceDigest: d, Activate: activate})
		scenarios.RunPlan(bctx, tpm, emit)
	}
	mu.Lock()
	defer mu.Unlock()
	return out
}
