package fleet

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/attest/swtpm/swtpmtest"
	"github.com/sovbench/sovbench/fleet/agent"
	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/scenarios/plan"
	"github.com/sovbench/sovbench/verify"
)

// tpmFleet is a verifier serving a host + TPM suite whose TPM is a real
// swtpm, and an agent enrolled with it.
type tpmFleet struct {
	ts   *testServer
	c    *agent.Client
	plan plan.Plan
}

const tpmSuite = "fleet-tpm"

// newTPMFleet plays a secure-boot measured boot into the swtpm before each
// quote when boot is set. The swtpm is not reset between runs, so only the
// first run's PCRs then match its event log; without boot every run's
// evidence verifies in full.
func newTPMFleet(t *testing.T, boot bool) *tpmFleet {
	t.Helper()
	inst := swtpmtest.Start(t)
	dir := t.TempDir()
	params, claim := "{tpm: \""+inst.Spec()+"\"}", "tpm.required: {}"
	if boot {
		params, claim = "{tpm: \""+inst.Spec()+"\", boot_profile: secure-boot-on}", "tpm.secure_boot: {enabled: true}"
	}
	suite := "suite: fleet-tpm\nprovider: {name: fleet-test}\ntargets: [{name: host, kind: local}]\nbudget: 2m\n" +
		"probes:\n  - probe: host\n    params: {metadata: false}\n  - probe: tpm\n    timeout: 1m\n" +
		"    params: " + params + "\nclaims:\n  - " + claim + "\n    require: no_fail\n"
	if err := os.WriteFile(filepath.Join(dir, "tpm.yaml"), []byte(suite), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &tpmFleet{ts: newTestServerOf(t, dir)}
	f.c = f.ts.enrolled(t, "tpm-host")
	var err error
	if f.plan, err = f.c.Plan(context.Background(), tpmSuite); err != nil {
		t.Fatal(err)
	}
	return f
}

// nonce asks c for a nonce of the TPM suite.
func (f *tpmFleet) nonce(t *testing.T, c *agent.Client) api.NonceResponse {
	t.Helper()
	n, err := c.Nonce(context.Background(), tpmSuite)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// run runs the plan with the quote bound to n and the AK activated by
// activate (nil: locally), and returns the evidence to submit.
func (f *tpmFleet) run(t *testing.T, n api.NonceResponse, activate attest.Activator) []results.Evidence {
	t.Helper()
	raw, _ := base64.StdEncoding.DecodeString(n.Nonce)
	ev := agent.RunBound(context.Background(), f.plan, plan.Env{}, n, raw, activate)
	if tpmOf(ev).TPM == nil {
		t.Fatalf("the TPM probe failed: %+v", tpmOf(ev).Failure)
	}
	return ev
}

func tpmOf(ev []results.Evidence) *results.Evidence {
	for i := range ev {
		if ev[i].Probe == "tpm" {
			return &ev[i]
		}
	}
	return &results.Evidence{}
}

// refusedWith checks a refusal's code and that its message says why.
func refusedWith(t *testing.T, err error, code, says string) {
	t.Helper()
	refusal(t, err, code)
	if !strings.Contains(err.Error(), says) {
		t.Fatalf("refusal %v does not say %q", err, says)
	}
}

// TestTPMQuoteBindsTheIssuedNonce runs host + TPM probes against a real
// swtpm: the verifier challenges the AK over /v1/activate, and the quote
// must bind the verifier's nonce and the digest of the submitted evidence,
// or the submission is refused.
func TestTPMQuoteBindsTheIssuedNonce(t *testing.T) {
	ctx := context.Background()
	f := newTPMFleet(t, true)
	c := f.c

	t.Run("an AK the verifier challenged, quoting the issued nonce and the evidence, is accepted and verifies", func(t *testing.T) {
		resp, err := agent.RunOnce(ctx, c, tpmSuite, plan.Env{})
		if err != nil {
			t.Fatal(err)
		}
		paths, _ := filepath.Glob(filepath.Join(f.ts.dir, "*", "*.json"))
		if len(paths) != 1 {
			t.Fatalf("reports: %v", paths)
		}
		res := (&verify.Verifier{Keys: []*sign.PublicKey{f.ts.key.Public()}}).File(ctx, paths[0])
		if !res.OK() {
			t.Fatalf("report %s does not verify: %v", resp.RunID, res.Failures())
		}
		rep, _ := res.Report()
		tpm := rep.FindEvidence("host/tpm")
		if tpm == nil || tpm.TPM == nil || len(tpm.TPM.Quotes) == 0 || tpm.TPM.Nonce.VerifierSource != "remote" {
			t.Fatalf("no remote-nonce TPM quote in the report: %+v", tpm)
		}
		a := tpm.TPM.Activation
		if a.Mode != results.ActivationVerifier || !a.Activated || a.Verifier != "sovbench serve, key "+f.ts.key.ID || a.ChallengeID == "" {
			t.Fatalf("activation not recorded as challenged and confirmed by this verifier: %+v", a)
		}
	})
	t.Run("a quote made for another nonce is refused", func(t *testing.T) {
		n, other := f.nonce(t, c), f.nonce(t, c)
		ev := f.run(t, n, c.Activator(tpmSuite, other.Nonce)) // activated for the run it is submitted under
		_, err := c.Submit(ctx, api.Submission{Suite: tpmSuite, Nonce: other.Nonce, Evidence: ev})
		refusedWith(t, err, "tpm_binding", "not the one issued")
	})
	t.Run("evidence changed after the quote is refused", func(t *testing.T) {
		n := f.nonce(t, c)
		ev := f.run(t, n, c.Activator(tpmSuite, n.Nonce))
		for i := range ev {
			if ev[i].Probe == "host" {
				ev[i].Duration++
			}
		}
		_, err := c.Submit(ctx, api.Submission{Suite: tpmSuite, Nonce: n.Nonce, Evidence: ev})
		refusedWith(t, err, "tpm_binding", "quote was made for evidence digest")
	})
}

// TestTPMActivationRefusals: the verifier refuses TPM evidence whose AK it
// did not itself activate for this agent and this run, once.
func TestTPMActivationRefusals(t *testing.T) {
	ctx := context.Background()
	f := newTPMFleet(t, false)
	c, other := f.c, f.ts.enrolled(t, "other-host")
	submit := func(c *agent.Client, n api.NonceResponse, ev []results.Evidence) error {
		_, err := c.Submit(ctx, api.Submission{Suite: tpmSuite, Nonce: n.Nonce, Evidence: ev})
		return err
	}
	// accepted is an activation the verifier has confirmed and spent.
	var accepted results.TPMActivation
	t.Run("an AK challenged through the agent's own nonce is accepted", func(t *testing.T) {
		n := f.nonce(t, c)
		ev := f.run(t, n, c.Activator(tpmSuite, n.Nonce))
		accepted = tpmOf(ev).TPM.Activation
		if err := submit(c, n, ev); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("an AK activated locally, not by the verifier, is refused", func(t *testing.T) {
		n := f.nonce(t, c)
		refusedWith(t, submit(c, n, f.run(t, n, nil)), "tpm_activation", "not activated through this verifier's challenge")
	})
	t.Run("a wrong secret is refused", func(t *testing.T) {
		n := f.nonce(t, c)
		ev := f.run(t, n, c.Activator(tpmSuite, n.Nonce))
		tpmOf(ev).TPM.Activation.Returned[0] ^= 1
		refusedWith(t, submit(c, n, ev), "tpm_activation", "returned secret does not match")
	})
	t.Run("an activation answered for another agent is refused", func(t *testing.T) {
		mine, theirs := f.nonce(t, c), f.nonce(t, other)
		ev := f.run(t, theirs, c.Activator(tpmSuite, mine.Nonce))
		refusedWith(t, submit(other, theirs, ev), "tpm_activation", "issued to another agent")
	})
	t.Run("an activation answered for another nonce is refused", func(t *testing.T) {
		n1, n2 := f.nonce(t, c), f.nonce(t, c)
		ev := f.run(t, n2, c.Activator(tpmSuite, n1.Nonce))
		refusedWith(t, submit(c, n2, ev), "tpm_activation", "issued for another nonce")
	})
	t.Run("a replayed activation is refused", func(t *testing.T) {
		if accepted.ChallengeID == "" {
			t.Fatal("no accepted activation to replay (the first subtest failed)")
		}
		n := f.nonce(t, c)
		ev := f.run(t, n, c.Activator(tpmSuite, n.Nonce))
		tpmOf(ev).TPM.Activation = accepted
		refusedWith(t, submit(c, n, ev), "tpm_activation", "already answered: replayed activation")
	})
	t.Run("an AK swapped after activation is refused", func(t *testing.T) {
		n := f.nonce(t, c)
		first := tpmOf(f.run(t, n, c.Activator(tpmSuite, n.Nonce))).TPM.Activation
		ev := f.run(t, n, c.Activator(tpmSuite, n.Nonce)) // a second AK, quoting
		tpmOf(ev).TPM.Activation = first
		refusedWith(t, submit(c, n, ev), "tpm_activation", "AK swapped after activation")
	})
	t.Run("an EK that does not chain to the verifier's TPM roots is refused", func(t *testing.T) {
		var (
			mu   sync.Mutex
			seen attest.ActivationRequest
		)
		n := f.nonce(t, c)
		f.run(t, n, func(ctx context.Context, r attest.ActivationRequest) (attest.Challenge, error) {
			mu.Lock()
			seen = r
			mu.Unlock()
			return c.Activator(tpmSuite, n.Nonce)(ctx, r)
		})
		f.ts.cfg.TPMRoots, f.ts.cfg.ChallengeEndorsedOnly = attest.BundledRoots(), true // swtpm's EK CA is not in the bundle
		defer func() { f.ts.cfg.TPMRoots, f.ts.cfg.ChallengeEndorsedOnly = nil, false }()
		m := f.nonce(t, c)
		_, err := c.Activate(ctx, tpmSuite, m.Nonce, seen)
		refusedWith(t, err, "tpm_activation", "EK certificate does not chain to a trusted root")
	})
	t.Run("activation calls are refused for spent nonces, forged AKs and too many challenges", func(t *testing.T) {
		var (
			mu   sync.Mutex
			seen attest.ActivationRequest
		)
		n := f.nonce(t, c)
		capture := func(ctx context.Context, r attest.ActivationRequest) (attest.Challenge, error) {
			mu.Lock()
			seen = r
			mu.Unlock()
			return c.Activator(tpmSuite, n.Nonce)(ctx, r)
		}
		ev := f.run(t, n, capture)
		forged := seen
		forged.AK.CreateSignature = append([]byte(nil), forged.AK.CreateSignature...)
		forged.AK.CreateSignature[len(forged.AK.CreateSignature)-1] ^= 1
		m := f.nonce(t, c)
		_, err := c.Activate(ctx, tpmSuite, m.Nonce, forged)
		refusedWith(t, err, "tpm_activation", "AK is not a TPM-generated restricted signing key")
		_, err = other.Activate(ctx, tpmSuite, m.Nonce, seen)
		refusal(t, err, "nonce_unknown")
		for i := 0; i < maxChallengesPerNonce; i++ {
			if _, err := c.Activate(ctx, tpmSuite, m.Nonce, seen); err != nil {
				t.Fatalf("challenge %d: %v", i, err)
			}
		}
		_, err = c.Activate(ctx, tpmSuite, m.Nonce, seen)
		refusedWith(t, err, "tpm_activation", "too many activation challenges")
		if err := submit(c, n, ev); err != nil {
			t.Fatal(err)
		}
		_, err = c.Activate(ctx, tpmSuite, n.Nonce, seen)
		refusal(t, err, "nonce_used")
	})
}
