package run

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/claims"
	"github.com/sovbench/sovbench/scenarios/plan"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// Runner runs suites.
type Runner struct {
	Log     *slog.Logger
	Harness results.Harness
	// AgentPath is the agent binary run inside lab namespaces and copied
	// to SSH hosts: the slim agent (cmd/sovbench-agent) or the sovbench
	// CLI, which acts as agent too. Empty means DefaultAgent.
	AgentPath string
	// Progress, if set, is called once per finished probe and as running
	// probes report their attempts (agents are asked for progress lines);
	// it is called often and serialised, and the caller throttles display.
	Progress func(Progress)
	// Dial, if set, opens the TCP connections to SSH targets (tests dial
	// into a lab namespace with it); nil uses net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Labs finds the lab hosts that lab targets name (host: provider/host);
	// nil means a suite with such targets cannot run. The CLI sets
	// lab.Running{}, a process holding a lab sets its *lab.Lab.
	Labs Labs
	// LocalEnv is the environment RunPlan gets for the targets this process
	// runs itself (kind local); the zero value is the machine itself. Only
	// Go callers set it: tests give local targets a host fixture, which no
	// suite, plan or flag of "sovbench run" can.
	LocalEnv plan.Env
	// Limits bounds the files the runner reads itself (SSH keys and
	// known_hosts); the zero value is the defaults.
	Limits limits.Limits
	// OutsideEnv is the environment of the steps that measure targets from
	// outside (probes.Kind.Outside: inbound), which this process runs on
	// the auditor's machine for every target: its Atlas client holds the
	// user's API key. The CLI sets it from --atlas-key-file or
	// RIPE_ATLAS_KEY; without it those steps record that they cannot run.
	OutsideEnv plan.Env
	// Claims is the context the claims are evaluated in: the key id that
	// will sign the report and the TPM trust anchors (zero: unsigned, the
	// embedded EK CA bundle). verify re-evaluates a report the same way.
	Claims claims.Context
}

// Labs finds lab hosts. The lab package implements it; the runner only asks.
type Labs interface {
	// LabHost returns the host a lab target names: spec is provider/host
	// or lab:provider/host.
	LabHost(spec string) (LabHost, error)
}

// LabHost is a host of a running lab, as the runner needs it.
type LabHost struct {
	// Namespace is the host's network namespace, where its agent runs.
	Namespace string
	// Fixture is the root of the host's identity fixture tree (lab file
	// "fixture:"), "" if it has none: its agent's host probe reads it in
	// place of the real machine's /sys, /proc, /etc and CPUID.
	Fixture string
}

// Run executes every probe of s on every target and evaluates the claims.
// It always returns a report: when ctx is cancelled (SIGINT) or the budget
// runs out, the evidence gathered so far is kept, missing probes are recorded
// as interrupted and the report is marked incomplete.
func (r *Runner) Run(ctx context.Context, s *suite.Suite) *results.Report {
	rep := newReport(s, r.Harness)
	// In a one-shot run the harness is its own verifier: it draws the nonce
	// TPM quotes bind (see the attest package for what that proves).
	nonce := make([]byte, 32)
	rand.Read(nonce)
	bctx, cancel := context.WithTimeout(ctx, s.Budget)
	defer cancel()
	got, execErrs := r.runTargets(bctx, s, rep.RunID, nonce)
	rep.Evidence = collect(s, got, bctx.Err(), execErrs)
	if why := interruption(ctx, bctx, s, execErrs); why != "" {
		rep.Status, rep.Interruption = results.RunIncomplete, why
	}
	rep.Verdicts = claims.EvaluateIn(r.Claims, s.Claims, s.TargetNames(), rep.Evidence)
	rep.Ended = time.Now().UTC()
	return rep
}

// newReport starts the report of a run of s: a fresh run id, the suite
// embedded whole, every target with its address.
func newReport(s *suite.Suite, h results.Harness) *results.Report {
	rep := &results.Report{
		Schema: results.Schema, RunID: uuid.Must(uuid.NewV7()).String(), Harness: h,
		// The suite file's name only: its folder is a path on this machine
		// and has no place in a report that is signed and handed on.
		Suite:    results.SuiteRef{Name: s.Name, Path: filepath.Base(s.Path), SHA256: s.SHA256, Source: string(s.Source)},
		Provider: s.Provider, Started: time.Now().UTC(), Status: results.RunComplete,
	}
	for _, t := range s.Targets {
		addr := t.Namespace
		if t.Host != "" {
			addr = t.Host
		}
		if t.Kind == "ssh" {
			addr = t.Address
		}
		rep.Targets = append(rep.Targets, results.Target{Name: t.Name, Kind: t.Kind, Address: addr})
	}
	return rep
}

// runTargets runs every target's plan, TargetConcurrency at a time, until
// they finish or bctx ends, and returns the evidence by id and each failed
// target's executor error.
func (r *Runner) runTargets(bctx context.Context, s *suite.Suite, runID string, nonce []byte) (map[string]results.Evidence, map[string]error) {
	log := r.logger()
	total := 0
	for _, t := range s.Targets {
		total += len(s.StepsFor(t.Name))
	}
	var (
		mu       sync.Mutex
		got      = map[string]results.Evidence{}
		execErrs = map[string]error{}
		wg       sync.WaitGroup
	)
	var tr *plan.Tracker
	if r.Progress != nil {
		tr = plan.NewTracker(r.Progress, total)
	}
	emit := func(ev results.Evidence) {
		mu.Lock()
		defer mu.Unlock()
		got[ev.ID] = ev
		tr.Finished(ev.ID)
		log.Debug("evidence", "id", ev.ID, "duration", ev.Duration, "failure", ev.Failure)
	}
	sem := make(chan struct{}, max(s.TargetConcurrency, 1))
	for _, t := range s.Targets {
		now, after := splitAfter(OutsidePlanFor(s, t))
		now.RunID, after.RunID = runID, runID
		runOutside := func(op plan.Plan) { r.runOutside(bctx, op, tr, only(op, emit, log)) }
		wg.Go(func() { runOutside(now) })
		ex, err := r.executorFor(t)
		if err != nil {
			execErrs[t.Name] = err
			wg.Go(func() { runOutside(after) })
			continue
		}
		wg.Go(func() {
			// What collects the target's traffic's traces runs once the
			// target's own steps are done (probes.Kind.AfterTarget).
			defer runOutside(after)
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-bctx.Done():
				return
			}
			p := PlanFor(s, t)
			p.RunID, p.VerifierNonce, p.VerifierSource = runID, nonce, "harness"
			p.Progress = tr != nil
			if err := ex.execute(withProgress(bctx, tr.ForPlan(p)), p, only(p, completeTEE(bctx, p, emit), log)); err != nil {
				log.Warn("target failed", "target", t.Name, "err", err)
				mu.Lock()
				execErrs[t.Name] = err
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return got, execErrs
}

func (r *Runner) logger() *slog.Logger {
	if r.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Log
}

// splitAfter splits an outside plan into the steps that run with the
// target's and those that run after them (probes.IsAfterTarget).
func splitAfter(op plan.Plan) (now, after plan.Plan) {
	now, after = op, op
	now.Steps, after.Steps = nil, nil
	for _, st := range op.Steps {
		if probes.IsAfterTarget(st.Probe) {
			after.Steps = append(after.Steps, st)
		} else {
			now.Steps = append(now.Steps, st)
		}
	}
	return now, after
}

// ArrivalLog is implemented by Labs whose recording services keep what
// arrived (the lab's sinks): the canary collector (canary lab: true)
// reads the arrivals that carry a run's token from it.
type ArrivalLog interface {
	CanaryArrivals(ctx context.Context, token string) ([]results.CanaryArrival, error)
}

// runOutside runs an outside plan (if it has steps) on this machine.
func (r *Runner) runOutside(bctx context.Context, op plan.Plan, tr *plan.Tracker, emit func(results.Evidence)) {
	if len(op.Steps) > 0 {
		env := r.outsideEnv()
		env.Progress = tr.ForPlan(op)
		plan.RunPlan(bctx, op, env, emit)
	}
}

// outsideEnv is OutsideEnv, reading canary arrivals from the runner's
// labs when they keep them and OutsideEnv names no other log.
func (r *Runner) outsideEnv() plan.Env {
	env := r.OutsideEnv
	if al, ok := r.Labs.(ArrivalLog); ok && env.Canaries == nil {
		env.Canaries = al.CanaryArrivals
	}
	return env
}

// only passes on the evidence p asked for: a record of one of its steps,
// by that step's probe, on its target. An agent cannot write another target's records, nor those of
// the steps the runner measures from outside.
func only(p plan.Plan, emit func(results.Evidence), log *slog.Logger) func(results.Evidence) {
	asked := map[string]string{}
	for _, st := range p.Steps {
		asked[plan.EvidenceID(p.Target.Name, st.ID)] = st.Probe
	}
	return func(ev results.Evidence) {
		if probe, ok := asked[ev.ID]; !ok || ev.Probe != probe || ev.Target != p.Target.Name {
			log.Warn("dropped a record the plan did not ask for", "target", p.Target.Name, "id", ev.ID)
			return
		}
		emit(ev)
	}
}

// interruption says why a run is incomplete ("" when it is complete): the
// caller's cancellation, the budget, or the targets whose agent failed.
func interruption(ctx, bctx context.Context, s *suite.Suite, execErrs map[string]error) string {
	switch {
	case ctx.Err() != nil:
		return "interrupted: " + context.Cause(ctx).Error()
	case bctx.Err() != nil:
		return fmt.Sprintf("budget of %s ran out", s.Budget)
	case len(execErrs) > 0:
		var errs []error
		for _, t := range s.Targets {
			if err := execErrs[t.Name]; err != nil {
				errs = append(errs, fmt.Errorf("target %s: %w", t.Name, err))
			}
		}
		return errors.Join(errs...).Error()
	}
	return ""
}

// collect orders the evidence as the suite lists targets and steps, and
// fills every step that produced nothing with a failure record: the target's
// own error when its executor failed (a host that cannot be reached), else
// interrupted. One target's failure never touches another's evidence.
func collect(s *suite.Suite, got map[string]results.Evidence, ctxErr error, execErrs map[string]error) []results.Evidence {
	var out []results.Evidence
	for _, t := range s.Targets {
		for _, st := range s.StepsFor(t.Name) {
			id := plan.EvidenceID(t.Name, st.ID)
			if ev, ok := got[id]; ok {
				out = append(out, ev)
				delete(got, id)
				continue
			}
			f := &results.Failure{Class: results.ClassInterrupted, Operation: "run", Message: "the probe did not finish"}
			if err := execErrs[t.Name]; err != nil && ctxErr == nil {
				f = probes.Classify("agent", err)
			}
			out = append(out, results.Evidence{ID: id, Probe: st.Probe, ProbeVersion: probes.VersionOf(st.Probe), Target: t.Name, Failure: f})
		}
	}
	// Evidence an agent sent that the suite did not ask for is dropped: it
	// must not sway a verdict.
	return out
}
