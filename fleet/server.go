package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/net/netutil"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/scenarios/suite"
	"github.com/sovbench/sovbench/verify"
)

// Defaults of Config.
const (
	DefaultNonceTTL = 5 * time.Minute
	DefaultMaxBody  = 8 << 20
	// DefaultMaxNonces is how many nonces one agent may hold outstanding
	// (issued, unused, unexpired): a run needs one, an agent running a few
	// suites or retrying a few times needs a few.
	DefaultMaxNonces = 16
	// DefaultProbeMaxAge is how old the latest run may be before /probe
	// calls it stale and fails, when the scrape says no max_age.
	DefaultProbeMaxAge = time.Hour
	// DefaultMaxConns bounds the connections the service holds at once
	// (Server.Listener).
	DefaultMaxConns = 1024
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
	// MaxNonces bounds each agent's outstanding nonces; 0: DefaultMaxNonces.
	MaxNonces int
	// ProbeMaxAge is /probe's max_age when a scrape gives none; 0:
	// DefaultProbeMaxAge.
	ProbeMaxAge time.Duration
	// MaxConns bounds the connections Listener accepts at once; 0:
	// DefaultMaxConns.
	MaxConns int
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
// It keeps nothing about runs in memory: every verifier sharing a Store
// answers /probe and /metrics from it alike.
type Server struct {
	cfg        Config
	nonces     *nonceBook
	challenges *challengeBook
	metrics    *metrics
	commits    *committer
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
	if cfg.MaxNonces <= 0 {
		cfg.MaxNonces = DefaultMaxNonces
	}
	if cfg.ProbeMaxAge <= 0 {
		cfg.ProbeMaxAge = DefaultProbeMaxAge
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.TPMCheck == nil {
		cfg.TPMCheck = verify.TPMBinding
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, nonces: newNonceBook(cfg.NonceTTL, cfg.MaxNonces), challenges: newChallengeBook(cfg.NonceTTL)}
	s.commits = newCommitter(cfg.Store, cfg.Log)
	s.metrics = newMetrics(&storeCollector{store: cfg.Store, log: cfg.Log, timeout: 10 * time.Second})
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

// HTTPServer wraps Handler in an http.Server with deadlines on every
// phase. The read timeout is the longest body deadline (bodyDeadline for
// MaxBody); each handler shortens it to its own body's limit before it
// reads the body, so a slowly sent small body is cut off early.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr: addr, Handler: s.Handler(),
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: bodyDeadline(s.cfg.MaxBody) + 10*time.Second,
		WriteTimeout: bodyDeadline(s.cfg.MaxBody) + time.Minute, IdleTimeout: 120 * time.Second,
		MaxHeaderBytes: 64 << 10,
	}
}

// Listener bounds the connections ln accepts to Config.MaxConns at once:
// a client holding more waits in the kernel's backlog, so that no client
// can exhaust the service's file descriptors or memory with idle or slow
// connections (each is also bounded in time, see HTTPServer).
func (s *Server) Listener(ln net.Listener) net.Listener {
	return netutil.LimitListener(ln, s.cfg.MaxConns)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func refuse(w http.ResponseWriter, status int, code string, err error) {
	writeJSON(w, status, api.Error{Code: code, Error: err.Error()})
}
