package fleet

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/results/store"
	"github.com/sovbench/sovbench/scenarios/claims"
	"github.com/sovbench/sovbench/scenarios/plan"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// errTPMBinding marks a TPM record that does not bind this submission.
var errTPMBinding = errors.New("TPM evidence does not bind this submission")

func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	began := time.Now()
	outcome := "error"
	defer func() {
		s.metrics.submissions.WithLabelValues(outcome).Inc()
		s.metrics.latency.WithLabelValues(outcome).Observe(time.Since(began).Seconds())
	}()
	var sub api.Submission
	if !decodeBody(w, r, s.cfg.MaxBody, &sub) {
		outcome = api.CodeBadRequest
		return
	}
	a := agentOf(r)
	su, t, ok := s.suiteTarget(w, sub.Suite, a)
	if !ok {
		outcome = api.CodeBadRequest
		return
	}
	is, err := s.nonces.spend(a.ID, sub.Suite, sub.Nonce)
	if err != nil {
		outcome = nonceCode(err)
		refuse(w, nonceStatus(err), outcome, fmt.Errorf("submission refused: %w", err))
		return
	}
	if err := s.confirmActivations(sub.Evidence, a.ID, sub.Nonce); err != nil {
		outcome = api.CodeTPMActivation
		refuse(w, http.StatusUnprocessableEntity, outcome, err)
		return
	}
	rep := s.report(su, t, a, is, sub)
	if err := s.checkTPM(rep, sub.Nonce); err != nil {
		outcome = api.CodeTPMBinding
		refuse(w, http.StatusUnprocessableEntity, outcome, err)
		return
	}
	err = s.store(r.Context(), rep, a.ID)
	// Revoked (through any verifier sharing the store) since the request
	// was authenticated: the group commit asked the store.
	switch {
	case errors.Is(err, ErrRevoked):
		outcome = api.CodeRevoked
		s.cfg.Log.Warn("refused a run of a revoked agent", "run", rep.RunID, "err", err)
		refuse(w, http.StatusForbidden, outcome, fmt.Errorf("submission refused: %w", err))
		return
	case errors.Is(err, ErrForbidden):
		outcome = api.CodeForbidden
		refuse(w, http.StatusForbidden, outcome, errors.New("submission refused: agent credential not accepted"))
		return
	case err != nil:
		s.cfg.Log.Error("storing report", "run", rep.RunID, "err", err)
		refuse(w, http.StatusInternalServerError, api.CodeInternal, errors.New("storing the report failed"))
		return
	}
	outcome = "accepted"
	s.cfg.Log.Info("report", "run", rep.RunID, "agent", a.ID, "name", a.Name, "suite", su.Name, "counts", rep.Counts().String())
	writeJSON(w, http.StatusOK, api.SubmitResponse{RunID: rep.RunID, KeyID: s.cfg.Key.ID, AgentID: a.ID, Satisfied: rep.Satisfied(), Verdicts: rep.Verdicts})
}

// store signs the report and returns once a group commit
// has made the file and the store's record of it durable.
func (s *Server) store(ctx context.Context, rep *results.Report, agentID string) error {
	env, err := sign.SignReport(ctx, rep, s.cfg.Key)
	if err != nil {
		return err
	}
	path := store.ReportPath(s.cfg.ResultsDir, rep)
	return s.commits.commit(ctx, env, storedRun{path: path, rep: rep, agentID: agentID})
}

func nonceCode(err error) string {
	switch {
	case errors.Is(err, ErrNonceUsed):
		return api.CodeNonceUsed
	case errors.Is(err, ErrNonceExpired):
		return api.CodeNonceExpired
	}
	return api.CodeNonceUnknown
}

func nonceStatus(err error) int {
	switch {
	case errors.Is(err, ErrNonceUsed):
		return http.StatusConflict
	case errors.Is(err, ErrNonceExpired):
		return http.StatusGone
	}
	return http.StatusForbidden
}

// report builds the run's report from the submission: the evidence of the
// plan's steps in suite order (a step the agent did not report is recorded
// as interrupted, evidence the plan did not ask for is dropped) and the
// verdicts evaluated here, never the agent's.
func (s *Server) report(su *suite.Suite, t suite.TargetSpec, a Agent, is issued, sub api.Submission) *results.Report {
	started := sub.Started.UTC()
	if started.Before(is.at) || started.After(time.Now()) {
		started = is.at.UTC() // the agent cannot have started before it had the nonce
	}
	rep := &results.Report{
		Schema: results.Schema, RunID: is.runID, Harness: s.cfg.Harness,
		Suite:    results.SuiteRef{Name: su.Name, Path: su.Path, SHA256: su.SHA256, Source: string(su.Source)},
		Provider: su.Provider, Started: started, Status: results.RunComplete,
		Targets: []results.Target{{Name: t.Name, Kind: "agent", Address: a.Name, AgentID: a.ID}},
	}
	got := make(map[string]results.Evidence, len(sub.Evidence))
	for _, ev := range sub.Evidence {
		if ev.Target == t.Name {
			got[ev.ID] = ev
		}
	}
	missing := 0
	for _, st := range su.StepsFor(t.Name) {
		id := plan.EvidenceID(t.Name, st.ID)
		if probes.IsOutside(st.Probe) {
			// Measured from outside the host, so never on the agent's word;
			// this service does not run such steps (sovbench run does).
			rep.Evidence = append(rep.Evidence, results.Evidence{ID: id, Probe: st.Probe, ProbeVersion: probes.VersionOf(st.Probe), Target: t.Name,
				Failure: &results.Failure{Class: results.ClassUnsupported, Operation: "run", Message: "measured from outside the host: sovbench serve does not run it, and an agent's record of it is not accepted; run the suite with sovbench run"}})
			continue
		}
		ev, ok := got[id]
		if !ok || ev.Probe != st.Probe {
			missing++
			ev = results.Evidence{ID: id, Probe: st.Probe, Target: t.Name,
				Failure: &results.Failure{Class: results.ClassInterrupted, Operation: "run", Message: "the agent did not report this probe"}}
		}
		rep.Evidence = append(rep.Evidence, ev)
	}
	if missing > 0 {
		rep.Status, rep.Interruption = results.RunIncomplete, fmt.Sprintf("agent %s (%s) reported %d of the plan's probes missing", a.ID, a.Name, missing)
	}
	one := *su
	one.Targets = []suite.TargetSpec{t}
	// Evaluated as verify will re-evaluate the signed report: signed by this
	// service's key (so the activations it confirmed count), with its roots.
	rep.Verdicts = claims.EvaluateIn(claims.Context{Signer: s.cfg.Key.ID, TPMRoots: s.tpmRoots()}, one.Claims, one.TargetNames(), rep.Evidence)
	rep.Ended = time.Now().UTC()
	return rep
}

// checkTPM requires every TPM record to quote the nonce this service issued
// and the digest of the evidence as submitted.
func (s *Server) checkTPM(rep *results.Report, nonce string) error {
	raw, err := base64.StdEncoding.DecodeString(nonce)
	if err != nil {
		return fmt.Errorf("%w: decoding nonce: %w", errTPMBinding, err)
	}
	for i := range rep.Evidence {
		e := &rep.Evidence[i]
		if e.TPM == nil || e.Failure != nil {
			continue
		}
		if !bytes.Equal(e.TPM.Nonce.Verifier, raw) {
			return fmt.Errorf("%w: %s quotes verifier nonce %x, not the one issued", errTPMBinding, e.ID, e.TPM.Nonce.Verifier)
		}
		if err := s.cfg.TPMCheck(e, results.EvidenceDigest(rep, e.Target)); err != nil {
			return fmt.Errorf("%w: %s: %w", errTPMBinding, e.ID, err)
		}
	}
	return nil
}
