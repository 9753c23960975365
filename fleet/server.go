package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/scenarios/plan"
	"github.com/sovbench/sovbench/scenarios/suite"
	"github.com/sovbench/sovbench/verify"
)

// Defaults of Config.
const (
	DefaultNonceTTL = 5 * time.Minute
	DefaultMaxBody  = 8 << 20
)

// Config configures a Server.
type Config struct {
	// Suites are the suites agents may run, by name.
	Suites map[string]*suite.Suite
	// Key signs every report (DSSE).
	Key *sign.Key
	// ResultsDir receives the signed reports; Store indexes them.
	ResultsDir string
	Store      Store
	Harness    results.Harness
	Log        *slog.Logger
	NonceTTL   time.Duration // 0: DefaultNonceTTL
	MaxBody    int64         // bytes of a submission; 0: DefaultMaxBody
	// TPMCheck checks a TPM record against its target's evidence digest;
	// nil: verify.TPMBinding.
	TPMCheck func(e *results.Evidence, evidenceDigest []byte) error
	// TPMRoots are the EK and AK trust anchors the suites' tpm claims are
	// judged with (nil: the embedded bundle, attest.BundledRoots).
	TPMRoots *attest.RootStore
	// ChallengeEndorsedOnly has /v1/activate challenge only a TPM whose EK
	// certificate chains to TPMRoots; false leaves the chain to the claims.
	ChallengeEndorsedOnly bool
	// AgentCA, if set, issues client certificates to agents that enrol
	// with a CSR and authenticates calls made with them (mutual TLS, with
	// ServerTLSConfig); nil: bearer credentials only.
	AgentCA *AgentCA
}

// Server is the verifier service. Create it with NewServer; serve Handler.
type Server struct {
	cfg        Config
	nonces     *nonceBook
	challenges *challengeBook
	metrics    *metrics

	mu     sync.Mutex
	latest map[probeKey]latestRun
}

type probeKey struct{ suite, agent string }

// latestRun is the newest verified run of one agent on one suite.
type latestRun struct {
	runID    string
	at       time.Time
	verdicts []results.Verdict
	ok       bool
}

// NewServer checks cfg and returns a server.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Key == nil || cfg.Store == nil || cfg.ResultsDir == "" || len(cfg.Suites) == 0 {
		return nil, errors.New("creating verifier: a signing key, a store, a results directory and at least one suite are required")
	}
	if cfg.NonceTTL <= 0 {
		cfg.NonceTTL = DefaultNonceTTL
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.TPMRoots == nil {
		cfg.TPMRoots = attest.BundledRoots()
	}
	if cfg.TPMCheck == nil {
		cfg.TPMCheck = verify.TPMBinding
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, nonces: newNonceBook(cfg.NonceTTL), challenges: newChallengeBook(cfg.NonceTTL), metrics: newMetrics(), latest: map[probeKey]latestRun{}}
	prev, err := cfg.Store.loadLatest(context.Background())
	if err != nil {
		return nil, fmt.Errorf("creating verifier: %w", err)
	}
	for name := range cfg.Suites {
		s.record(name, prev)
	}
	return s, nil
}

// LoadSuites loads every *.yaml suite in dir, by suite name, within lim.
func LoadSuites(ctx context.Context, dir string, lim limits.Limits) (map[string]*suite.Suite, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("listing suites in %s: %w", dir, err)
	}
	out := map[string]*suite.Suite{}
	for _, p := range paths {
		s, err := suite.Load(ctx, p, lim)
		if err != nil {
			return nil, err
		}
		if prev, ok := out[s.Name]; ok {
			return nil, fmt.Errorf("loading suites: %s and %s both name suite %q", prev.Path, p, s.Name)
		}
		out[s.Name] = s
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("loading suites: no *.yaml suite in %s: %w", dir, os.ErrNotExist)
	}
	return out, nil
}

// Handler routes the service's endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/enrol", s.enrol)
	mux.HandleFunc("GET /v1/plan", s.authed(s.plan))
	mux.HandleFunc("POST /v1/nonce", s.authed(s.nonce))
	mux.HandleFunc("POST /v1/activate", s.authed(s.activate))
	mux.HandleFunc("POST /v1/submit", s.authed(s.submit))
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("GET /probe", s.probe)
	return mux
}

// HTTPServer wraps Handler in an http.Server with deadlines on every phase.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr: addr, Handler: s.Handler(),
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
		MaxHeaderBytes: 64 << 10,
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func refuse(w http.ResponseWriter, status int, code string, err error) {
	writeJSON(w, status, api.Error{Code: code, Error: err.Error()})
}

// decodeBody decodes a JSON body strictly, at most max bytes.
func decodeBody(w http.ResponseWriter, r *http.Request, max int64, v any) bool {
	r.Body = http.MaxBytesReader(w, r.Body, max)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			refuse(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Errorf("request body exceeds %d bytes", max))
			return false
		}
		refuse(w, http.StatusBadRequest, "bad_request", fmt.Errorf("decoding request body: %w", err))
		return false
	}
	return true
}

func (s *Server) enrol(w http.ResponseWriter, r *http.Request) {
	var req api.EnrolRequest
	if !decodeBody(w, r, 64<<10, &req) {
		return
	}
	if req.Name == "" || strings.ContainsAny(req.Name, "\x00\n/") {
		refuse(w, http.StatusBadRequest, "bad_request", errors.New("enrolment: name is empty or has '/', NUL or newline"))
		return
	}
	csr, ok := s.enrolCSR(w, req.CSR)
	if !ok {
		return
	}
	a, cred, err := s.cfg.Store.Enrol(r.Context(), req.Token, req.Name)
	if errors.Is(err, ErrForbidden) {
		s.metrics.enrolments.WithLabelValues("forbidden").Inc()
		refuse(w, http.StatusForbidden, "forbidden", errors.New("enrolment token not accepted (wrong, used or expired)"))
		return
	}
	if err != nil {
		s.cfg.Log.Error("enrolment", "err", err)
		refuse(w, http.StatusInternalServerError, "internal", errors.New("enrolment failed"))
		return
	}
	resp := api.EnrolResponse{AgentID: a.ID, Credential: cred}
	if csr != nil {
		// The bearer credential stays unused (its hash is in the store,
		// nobody holds it): this agent authenticates with the certificate.
		if resp.Certificate, err = s.cfg.AgentCA.issue(csr, a); err != nil {
			s.cfg.Log.Error("enrolment", "err", err)
			refuse(w, http.StatusInternalServerError, "internal", errors.New("issuing the agent certificate failed"))
			return
		}
		resp.Credential = ""
	}
	s.metrics.enrolments.WithLabelValues("ok").Inc()
	s.cfg.Log.Info("enrolled", "agent", a.ID, "name", a.Name, "certificate", csr != nil)
	writeJSON(w, http.StatusOK, resp)
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
			refuse(w, http.StatusUnauthorized, "forbidden", errors.New("no agent credential (Authorization: Bearer)"))
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
	s.metrics.submissions.WithLabelValues("forbidden").Inc()
	switch {
	case errors.Is(err, ErrRevoked):
		s.cfg.Log.Warn("refused a revoked agent", "err", err)
		refuse(w, http.StatusForbidden, "revoked", fmt.Errorf("%s: %w", what, err))
	case errors.Is(err, ErrForbidden):
		refuse(w, http.StatusForbidden, "forbidden", errors.New(what))
	default:
		s.cfg.Log.Error("authenticating", "err", err)
		refuse(w, http.StatusInternalServerError, "internal", errors.New("authenticating the agent failed"))
	}
}

func agentOf(r *http.Request) Agent { return r.Context().Value(agentKey{}).(Agent) }

// targetFor is the suite target an agent runs as: the one named like the
// agent, or the suite's only target.
func targetFor(s *suite.Suite, agent string) (suite.TargetSpec, error) {
	for _, t := range s.Targets {
		if t.Name == agent {
			return t, nil
		}
	}
	if len(s.Targets) == 1 {
		return s.Targets[0], nil
	}
	return suite.TargetSpec{}, fmt.Errorf("suite %s has %d targets and none is named %q", s.Name, len(s.Targets), agent)
}

func (s *Server) suiteTarget(w http.ResponseWriter, name, agent string) (*suite.Suite, suite.TargetSpec, bool) {
	su, ok := s.cfg.Suites[name]
	if !ok {
		refuse(w, http.StatusNotFound, "unknown_suite", fmt.Errorf("no suite named %q", name))
		return nil, suite.TargetSpec{}, false
	}
	t, err := targetFor(su, agent)
	if err != nil {
		refuse(w, http.StatusNotFound, "unknown_suite", err)
		return nil, suite.TargetSpec{}, false
	}
	return su, t, true
}

func (s *Server) plan(w http.ResponseWriter, r *http.Request) {
	su, t, ok := s.suiteTarget(w, r.URL.Query().Get("suite"), agentOf(r).Name)
	if !ok {
		return
	}
	p := plan.PlanFor(su, t)
	p.Target.Kind = "local" // the agent runs it on its own host
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) nonce(w http.ResponseWriter, r *http.Request) {
	var req api.NonceRequest
	if !decodeBody(w, r, 64<<10, &req) {
		return
	}
	a := agentOf(r)
	su, _, ok := s.suiteTarget(w, req.Suite, a.Name)
	if !ok {
		return
	}
	n, is := s.nonces.issue(a.ID, req.Suite)
	writeJSON(w, http.StatusOK, api.NonceResponse{Nonce: n, RunID: is.runID, Expires: is.expires.UTC(), SuiteSHA256: su.SHA256})
}
