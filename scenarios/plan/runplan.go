package plan

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/sovbench/sovbench/atlas"
	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/probes/egress"
	"github.com/sovbench/sovbench/probes/kinds"
	"github.com/sovbench/sovbench/results"
)

// Grace is how long RunPlan waits, once its context is done, for probes to
// return before it abandons them; abandoned probes are reported interrupted.
const Grace = 2 * time.Second

// DefaultConcurrency is how many steps run at once in a plan that says 0
// (suites always say: scenarios/suite sets its own default, the same 4).
const DefaultConcurrency = 4

// Env is what the host running a plan brings besides the plan: things a
// plan sent over the wire must not carry, known only to whoever started the
// agent (never a suite file or a plan a verifier sends).
type Env struct {
	// Activate is the remote verifier's credential activation for the AKs
	// of evidence-binding probes (fleet's agent: /v1/activate); nil
	// activates locally.
	Activate attest.Activator
	// LabFixture, if set, is the root of this lab host's identity fixture
	// tree: probes that read the host's identity from files
	// (probes.FixtureReader: the host probe) read it instead of the real
	// machine, which a lab namespace shares. Only the lab sets it, through
	// the agent's hidden --lab-fixture flag (LabFixtureFlag).
	LabFixture string
	// Atlas is the RIPE Atlas client, with the user's API key, of the
	// probes that measure a target from outside (probes.Kind.Outside:
	// inbound). Only the runner on the auditor's machine sets it; an
	// agent on a target never has it.
	Atlas *atlas.Client
	// Progress, if set, receives every progress report of the plan's
	// probes (probes.Counter), unthrottled and from their goroutines: it
	// must be safe for concurrent use. It is for display only.
	Progress func(StepProgress)
	// Canaries, if set, reads what the lab's recording services saw, for
	// the canary collector (lab: true). Only the runner on the auditor's
	// machine sets it, from the lab it runs against.
	Canaries egress.CanaryLog
}

// atlasUser is a probe that measures through RIPE Atlas (inbound).
type atlasUser interface {
	WithAtlas(*atlas.Client) probes.Probe
}

// canaryUser is a probe that reads the lab's canary arrivals (canary).
type canaryUser interface {
	WithCanaryLog(egress.CanaryLog) probes.Probe
}

// RunPlan runs the plan's steps on this host, at most plan.Concurrency at a
// time, and calls emit (serialised) with each step's evidence as it finishes.
// A probe that cannot run still yields evidence, with a failure recorded. A
// probe stuck past cancellation (an uncancellable read, say) is abandoned
// after Grace so that the evidence already gathered is not held hostage.
//
// Steps whose kind binds evidence (probes.Kind.BindsEvidence: tpm) run
// last: when the plan carries a verifier nonce or env has a remote
// verifier, each is bound (probes.Binder) to that nonce and the digest of
// every other record of this target (results.EvidenceDigestOf); otherwise
// it binds a nonce of its own and records that it bound nothing. A lab
// host's fixture (env.LabFixture) stands in for the machine.
func RunPlan(ctx context.Context, plan Plan, env Env, emit func(results.Evidence)) {
	if plan.RunID != "" {
		ctx = probes.WithRunID(ctx, plan.RunID)
	}
	var first, last []PlanStep
	for _, st := range plan.Steps {
		if bindsEvidence(st.Probe) {
			last = append(last, st)
		} else {
			first = append(first, st)
		}
	}
	var (
		mu   sync.Mutex
		seen []results.Evidence
	)
	// The records are kept for the digest only when a binding step takes one.
	digest := len(last) > 0 && (len(plan.VerifierNonce) > 0 || env.Activate != nil)
	record := func(ev results.Evidence) {
		if digest {
			mu.Lock()
			seen = append(seen, ev)
			mu.Unlock()
		}
		emit(ev)
	}
	runSteps(ctx, plan, env, first, nil, record)
	if len(last) == 0 || ctx.Err() != nil {
		return
	}
	var bind *probes.QuoteBinding
	if digest {
		mu.Lock()
		digest := results.EvidenceDigestOf(plan.RunID, plan.SuiteSHA256, plan.Target.Name, seen)
		mu.Unlock()
		bind = &probes.QuoteBinding{
			VerifierNonce: plan.VerifierNonce, VerifierSource: plan.VerifierSource, EvidenceDigest: digest, Activate: env.Activate,
		}
	}
	runSteps(ctx, plan, env, last, bind, record)
}

// bindsEvidence reports whether the kind named probe binds the rest of the
// evidence; an unknown kind does not (its step records why it cannot run).
func bindsEvidence(probe string) bool {
	k, err := probes.Lookup(probe)
	return err == nil && k.BindsEvidence
}

// runSteps runs steps with bounded concurrency (see RunPlan), binding each
// Binder to bind when it is set.
func runSteps(ctx context.Context, plan Plan, env Env, steps []PlanStep, bind *probes.QuoteBinding, emit func(results.Evidence)) {
	n := plan.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	sem := make(chan struct{}, n)
	var (
		mu     sync.Mutex
		closed bool
		wg     sync.WaitGroup
	)
	send := func(ev results.Evidence) {
		mu.Lock()
		defer mu.Unlock()
		if !closed {
			emit(ev)
		}
	}
	defer func() { mu.Lock(); closed = true; mu.Unlock() }()
	for _, st := range steps {
		if ctx.Err() != nil {
			break // steps not started are reported by the runner as interrupted
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			send(runStep(ctx, plan.Target, st, env, bind))
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		select {
		case <-done:
		case <-time.After(Grace):
		}
	}
}

func runStep(ctx context.Context, t probes.Target, st PlanStep, env Env, bind *probes.QuoteBinding) results.Evidence {
	start := time.Now()
	p, err := newProbe(st, env)
	if err == nil {
		if b, ok := p.(probes.Binder); ok && bind != nil {
			b.Bind(*bind)
		}
		pctx := stepProgress(ctx, st.ID, env.Progress)
		sctx, cancel := context.WithCancel(pctx)
		if timeout := st.Timeout.D(); timeout > 0 {
			sctx, cancel = context.WithTimeout(pctx, timeout)
		}
		var ev results.Evidence
		ev, err = p.Run(sctx, t)
		cancel()
		if err == nil {
			ev.ID = EvidenceID(t.Name, st.ID)
			return ev
		}
	}
	return results.Evidence{
		ID: EvidenceID(t.Name, st.ID), Probe: st.Probe, ProbeVersion: probes.VersionOf(st.Probe),
		Target: t.Name, Start: start.UTC(), Duration: results.Duration(time.Since(start)),
		Failure: probes.Classify("run", err),
	}
}

// newProbe builds the step's probe; on a lab host with a fixture, a probe
// that reads the host's identity from files reads the fixture.
func newProbe(st PlanStep, env Env) (probes.Probe, error) {
	if st.decodeErr != nil {
		return nil, st.decodeErr
	}
	params := st.Params
	if params == nil {
		k, err := probes.Lookup(st.Probe)
		if err != nil {
			return nil, err
		}
		params = k.NewParams()
	}
	if params.Kind() != st.Probe {
		return nil, fmt.Errorf("step %s: %s parameters for a %s probe", st.ID, params.Kind(), st.Probe)
	}
	p, err := kinds.New(params)
	if au, ok := p.(atlasUser); ok && err == nil && env.Atlas != nil {
		p = au.WithAtlas(env.Atlas)
	}
	if cu, ok := p.(canaryUser); ok && err == nil && env.Canaries != nil {
		p = cu.WithCanaryLog(env.Canaries)
	}
	if err != nil || env.LabFixture == "" {
		return p, err
	}
	if fr, ok := p.(probes.FixtureReader); ok {
		return fr.WithFixture(env.LabFixture)
	}
	return p, nil
}
