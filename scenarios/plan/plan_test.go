package plan

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/attest/collect/collecttest"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// runPlanTPM runs a plan whose TPM step is listed first, next to two
// registry lookups, on the in-process simulator.
func runPlanTPM(t *testing.T, plan Plan, env Env) (tpm *results.Evidence, others []results.Evidence) {
	t.Helper()
	defer collecttest.LockSimulator()()
	plan.Target = probes.Target{Name: "local", Kind: "local"}
	plan.Steps = []PlanStep{
		{ID: "tpm", Probe: "tpm", Timeout: results.Duration(time.Minute), Params: &probes.TPMParams{TPM: "simulator"}},
		{ID: "j1", Probe: "jurisdiction", Params: &probes.JurisdictionParams{Operator: "Clarence"}},
		{ID: "j2", Probe: "jurisdiction", Params: &probes.JurisdictionParams{Operator: "LuxConnect"}},
	}
	var (
		mu  sync.Mutex
		all []results.Evidence
	)
	RunPlan(context.Background(), plan, env, func(ev results.Evidence) { mu.Lock(); all = append(all, ev); mu.Unlock() })
	if len(all) != 3 || all[2].Probe != "tpm" {
		t.Fatalf("evidence %v: want the TPM record last of 3", all)
	}
	if all[2].TPM == nil {
		t.Fatalf("the TPM probe failed: %+v", all[2].Failure)
	}
	return &all[2], all[:2]
}

func TestRunPlanBindsEvidence(t *testing.T) {
	nonce := make([]byte, 32)
	nonce[0] = 7
	bound := Plan{RunID: "run-1", SuiteSHA256: "suite-sha", VerifierNonce: nonce, VerifierSource: "harness"}
	t.Run("a binding kind runs last and quotes the plan's nonce over the other evidence", func(t *testing.T) {
		tpm, others := runPlanTPM(t, bound, Env{})
		want := results.EvidenceDigestOf("run-1", "suite-sha", "local", others)
		n := tpm.TPM.Nonce
		if !bytes.Equal(n.Verifier, nonce) || !bytes.Equal(n.EvidenceDigest, want) || n.VerifierSource != "harness" {
			t.Fatalf("nonce %+v, want verifier %x digest %x", n, nonce, want)
		}
		if _, err := attest.Verify(tpm.TPM, attest.Options{VerifierNonce: nonce, EvidenceDigest: want, AllowUnverifiedEK: true}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the environment's activator challenges the AK", func(t *testing.T) {
		var p attest.Pending
		called := false
		activate := func(_ context.Context, r attest.ActivationRequest) (attest.Challenge, error) {
			ch, pp, err := attest.NewChallenge(r, attest.ChallengeOptions{})
			called, p, ch.ID, ch.Verifier = true, pp, "c1", "test verifier"
			return ch, err
		}
		tpm, _ := runPlanTPM(t, bound, Env{Activate: activate})
		if !called || tpm.TPM.Activation.Mode != results.ActivationVerifier {
			t.Fatalf("activator called %v, activation %+v", called, tpm.TPM.Activation)
		}
		if err := attest.ConfirmActivation(tpm.TPM, p, "test verifier", strings.Repeat("ab", 32)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("without a nonce the quote binds a harness nonce and says so", func(t *testing.T) {
		tpm, _ := runPlanTPM(t, Plan{RunID: "run-2"}, Env{})
		if tpm.TPM.Nonce.VerifierSource != "harness" || len(tpm.Observations) == 0 || tpm.Observations[0].Note == "" {
			t.Fatalf("nonce %+v, observations %+v", tpm.TPM.Nonce, tpm.Observations)
		}
	})
}
