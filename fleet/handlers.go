package fleet

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/scenarios/run"
	"github.com/sovbench/sovbench/scenarios/suite"
)

func (s *Server) enrol(w http.ResponseWriter, r *http.Request) {
	var req api.EnrolRequest
	if !decodeBody(w, r, maxSmallBody, &req) {
		return
	}
	if err := api.CheckName(req.Name); err != nil {
		s.metrics.enrolments.WithLabelValues(api.CodeBadName).Inc()
		refuse(w, http.StatusBadRequest, api.CodeBadName, fmt.Errorf("enrolment: %w", err))
		return
	}
	csr, ok := s.enrolCSR(w, req.CSR)
	if !ok {
		return
	}
	a, cred, err := s.cfg.Store.Enrol(r.Context(), req.Token, req.Name)
	if err != nil {
		s.refuseEnrolment(w, err)
		return
	}
	resp := api.EnrolResponse{AgentID: a.ID, Name: a.Name, Target: a.Target, Credential: cred}
	if csr != nil {
		// The bearer credential stays unused (its hash is in the store,
		// nobody holds it): this agent authenticates with the certificate.
		if resp.Certificate, err = s.cfg.AgentCA.issue(csr, a); err != nil {
			s.cfg.Log.Error("enrolment", "err", err)
			refuse(w, http.StatusInternalServerError, api.CodeInternal, errors.New("issuing the agent certificate failed"))
			return
		}
		resp.Credential = ""
	}
	s.metrics.enrolments.WithLabelValues("ok").Inc()
	s.cfg.Log.Info("enrolled", "agent", a.ID, "name", a.Name, "target", a.Target, "certificate", csr != nil)
	writeJSON(w, http.StatusOK, resp)
}

// refuseEnrolment answers an enrolment the store refused.
func (s *Server) refuseEnrolment(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrForbidden):
		s.metrics.enrolments.WithLabelValues(api.CodeForbidden).Inc()
		refuse(w, http.StatusForbidden, api.CodeForbidden, errors.New("enrolment token not accepted (wrong, used or expired)"))
	case errors.Is(err, ErrNameTaken):
		s.metrics.enrolments.WithLabelValues(api.CodeNameTaken).Inc()
		refuse(w, http.StatusConflict, api.CodeNameTaken, fmt.Errorf("%w: enrol under another --name, or ask the operator for a token that replaces the agent holding it (serve token --replace AGENT_ID); the token was not spent", err))
	case errors.Is(err, ErrReplaced):
		s.metrics.enrolments.WithLabelValues(api.CodeForbidden).Inc()
		refuse(w, http.StatusForbidden, api.CodeForbidden, err)
	default:
		s.cfg.Log.Error("enrolment", "err", err)
		refuse(w, http.StatusInternalServerError, api.CodeInternal, errors.New("enrolment failed"))
	}
}

type agentKey struct{}

// authed requires a valid agent client certificate (mutual TLS) or agent
// credential (Authorization: Bearer). A presented certificate that does not
// verify is refused even with a valid credential.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a, ok, refused := s.certAgent(w, r); refused {
			return
		} else if ok {
			h(w, r.WithContext(context.WithValue(r.Context(), agentKey{}, a)))
			return
		}
		cred, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			refuse(w, http.StatusUnauthorized, api.CodeForbidden, errors.New("no agent credential (Authorization: Bearer)"))
			return
		}
		a, err := s.cfg.Store.Authenticate(r.Context(), cred)
		if err != nil {
			s.refuseAgent(w, err, "agent credential not accepted")
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), agentKey{}, a)))
	}
}

// refuseAgent answers a request whose agent the store did not accept: a
// revoked agent is told so, anything else gets what only says "no".
func (s *Server) refuseAgent(w http.ResponseWriter, err error, what string) {
	s.metrics.submissions.WithLabelValues(api.CodeForbidden).Inc()
	switch {
	case errors.Is(err, ErrRevoked):
		s.cfg.Log.Warn("refused a revoked agent", "err", err)
		refuse(w, http.StatusForbidden, api.CodeRevoked, fmt.Errorf("%s: %w", what, err))
	case errors.Is(err, ErrForbidden):
		refuse(w, http.StatusForbidden, api.CodeForbidden, errors.New(what))
	default:
		s.cfg.Log.Error("authenticating", "err", err)
		refuse(w, http.StatusInternalServerError, api.CodeInternal, errors.New("authenticating the agent failed"))
	}
}

func agentOf(r *http.Request) Agent { return r.Context().Value(agentKey{}).(Agent) }

// targetFor is the suite target agent a answers for, as the verifier bound
// it: the target its token named, if the suite has it; else the suite's
// only target. The name the agent chose never picks a target.
func targetFor(s *suite.Suite, a Agent) (suite.TargetSpec, error) {
	for _, t := range s.Targets {
		if a.Target != "" && t.Name == a.Target {
			return t, nil
		}
	}
	if len(s.Targets) == 1 {
		return s.Targets[0], nil
	}
	if a.Target != "" {
		return suite.TargetSpec{}, fmt.Errorf("suite %s has %d targets and not %s, the one agent %s (%s) is bound to", s.Name, len(s.Targets), a.Target, a.ID, api.Quote(a.Name))
	}
	return suite.TargetSpec{}, fmt.Errorf("suite %s has %d targets and agent %s (%s) is bound to none: the operator binds one with a token (serve token --replace %s --target TARGET)",
		s.Name, len(s.Targets), a.ID, api.Quote(a.Name), a.ID)
}

func (s *Server) suiteTarget(w http.ResponseWriter, name string, a Agent) (*suite.Suite, suite.TargetSpec, bool) {
	su, ok := s.cfg.Suites[name]
	if !ok {
		refuse(w, http.StatusNotFound, api.CodeUnknownSuite, fmt.Errorf("no suite named %s", api.Escape(name)))
		return nil, suite.TargetSpec{}, false
	}
	t, err := targetFor(su, a)
	if err != nil {
		refuse(w, http.StatusNotFound, api.CodeUnknownSuite, err)
		return nil, suite.TargetSpec{}, false
	}
	return su, t, true
}

func (s *Server) plan(w http.ResponseWriter, r *http.Request) {
	su, t, ok := s.suiteTarget(w, r.URL.Query().Get("suite"), agentOf(r))
	if !ok {
		return
	}
	p := run.PlanFor(su, t)
	p.Target.Kind = "local" // the agent runs it on its own host
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) nonce(w http.ResponseWriter, r *http.Request) {
	var req api.NonceRequest
	if !decodeBody(w, r, maxSmallBody, &req) {
		return
	}
	a := agentOf(r)
	su, _, ok := s.suiteTarget(w, req.Suite, a)
	if !ok {
		return
	}
	n, is, err := s.nonces.issue(a.ID, req.Suite)
	var full *tooManyNoncesError
	if errors.As(err, &full) {
		s.metrics.submissions.WithLabelValues(api.CodeTooManyNonces).Inc()
		w.Header().Set("Retry-After", strconv.Itoa(int(time.Until(full.freeAt).Seconds())+1))
		refuse(w, http.StatusTooManyRequests, api.CodeTooManyNonces, err)
		return
	}
	writeJSON(w, http.StatusOK, api.NonceResponse{Nonce: n, RunID: is.runID, Expires: is.expires.UTC(), SuiteSHA256: su.SHA256})
}
