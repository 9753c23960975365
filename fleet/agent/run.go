package agent

import (
	"context"
	"encoding/base64"
	"fmt"
	"sync"
	"time"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/plan"
)

// RunOnce runs suite once on this host for the verifier c talks to: fetch
// the plan, get a nonce, run the probes (TPM probes last: the verifier
// challenges each fresh AK over /v1/activate, and the quote binds the nonce
// and the digest of the other evidence), submit, and return the verifier's
// verdicts. env is what only this host's starter knows (a lab host's
// fixture, see plan.Env); the zero value is the machine itself.
func RunOnce(ctx context.Context, c *Client, suite string, env plan.Env) (api.SubmitResponse, error) {
	return runOnce(ctx, c, suite, env, nil)
}

// runOnce is RunOnce reporting the run's progress to progress, if set.
func runOnce(ctx context.Context, c *Client, suite string, env plan.Env, progress func(plan.RunProgress)) (api.SubmitResponse, error) {
	p, err := c.Plan(ctx, suite)
	if err != nil {
		return api.SubmitResponse{}, err
	}
	n, err := c.Nonce(ctx, suite)
	if err != nil {
		return api.SubmitResponse{}, err
	}
	raw, err := base64.StdEncoding.DecodeString(n.Nonce)
	if err != nil {
		return api.SubmitResponse{}, fmt.Errorf("decoding nonce: %w", err)
	}
	sub := api.Submission{Suite: suite, Nonce: n.Nonce, Started: time.Now().UTC()}
	rctx, cancel := context.WithDeadline(ctx, n.Expires)
	defer cancel()
	var tr *plan.Tracker
	if progress != nil {
		tr = plan.NewTracker(progress, len(p.Steps))
		env.Progress = tr.ForPlan(p)
	}
	sub.Evidence = runBound(rctx, p, env, n, raw, c.Activator(suite, n.Nonce), tr)
	return c.Submit(ctx, sub)
}

// RunBound runs the plan for a remote verifier in env: the plan's
// evidence-binding (TPM) steps run last, their quotes bound to the
// verifier's nonce (raw, the decoded n.Nonce) and the digest of the other
// evidence of the run n opened, and their AKs activated by the verifier's
// challenge (activate; nil activates locally).
func RunBound(ctx context.Context, p plan.Plan, env plan.Env, n api.NonceResponse, raw []byte, activate attest.Activator) []results.Evidence {
	return runBound(ctx, p, env, n, raw, activate, nil)
}

// runBound is RunBound telling tr, if set, of each record as it arrives.
func runBound(ctx context.Context, p plan.Plan, env plan.Env, n api.NonceResponse, raw []byte, activate attest.Activator, tr *plan.Tracker) []results.Evidence {
	p.RunID, p.SuiteSHA256 = n.RunID, n.SuiteSHA256
	p.VerifierNonce, p.VerifierSource = raw, "remote"
	env.Activate = activate
	var (
		mu  sync.Mutex
		out []results.Evidence
	)
	plan.RunPlan(ctx, p, env, func(ev results.Evidence) {
		mu.Lock()
		out = append(out, ev)
		mu.Unlock()
		tr.Finished(ev.ID)
	})
	mu.Lock()
	defer mu.Unlock()
	return out
}
