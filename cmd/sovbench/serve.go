package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/fleet"
	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/results/store"
)

// serveOpts are the flags of "sovbench serve".
type serveOpts struct {
	listen, suites, keyPath, db, certPath, tlsKey string
	tpmRoots                                      tpmRootsOpts
	tpmEndorsedOnly                               bool
	maxBody                                       int64
	nonceTTL, probeMaxAge                         time.Duration
	maxNonces, maxConns                           int
}

func (a *app) serveCommand() *cobra.Command {
	var o serveOpts
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTPS verifier service agents submit evidence to",
		Long: `serve is the verifier for a fleet: agents enrol with a token ("sovbench serve
token"), fetch a suite's plan, get a single-use nonce, run the probes and submit
the evidence. The service evaluates the claims, signs the report with --signing-key and
stores it under --results-dir (indexed). /metrics and
/probe?suite=S&target=AGENT[&max_age=15m] are for Prometheus; /probe reads the
store, so every verifier sharing it answers alike, and fails (with a reason
label) for a revoked agent or a run older than max_age (--probe-max-age).
An agent's identity is the ID the verifier issues; names are unique labels. --db is an SQLite file or, for large fleets, a PostgreSQL
URL (postgres://user@host/db). Without --tls-cert a self-signed certificate is
created next to an SQLite --db (<db>.crt, <db>.key), or in the results directory
with PostgreSQL (verifier.crt, verifier.key); give its .crt to agents with --ca.
Agents enrolling with --mtls get a client certificate from the verifier's own
agent CA (<db>.agent-ca.crt/.key, or verifier.agent-ca.* with PostgreSQL,
created on first start) and authenticate with it instead of a bearer credential.
The suites' tpm claims are judged with the embedded EK CA bundle plus
--tpm-roots, minus --tpm-exclude-root (see sovbench tpm-roots); every TPM
activation the service confirms names its signing key, so its reports' hardware
verdicts rest on the service's word. With --tpm-endorsed-only the activation
round only challenges a TPM whose EK certificate chains to those anchors.`,
		Example: "  sovbench serve token --db fleet.sqlite\n  sovbench serve --suites suites/ --signing-key sovbench.key --db fleet.sqlite\n  sovbench serve --suites suites/ --signing-key sovbench.key --db 'postgres://sovbench@/fleet?host=/run/postgresql'",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return a.serve(cmd.Context(), o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:8443", "address to listen on")
	f.StringVar(&o.suites, "suites", "", "directory of suite files agents may run")
	addSigningKey(cmd, &o.keyPath, "private key that signs every report")
	f.StringVar(&o.db, "db", "fleet.sqlite", "agent, token and run store: SQLite file or postgres:// URL")
	f.StringVar(&o.certPath, "tls-cert", "", "server certificate (PEM); default: self-signed next to --db")
	f.StringVar(&o.tlsKey, "tls-key", "", "server certificate's key (PEM)")
	f.Int64Var(&o.maxBody, "max-body", fleet.DefaultMaxBody, "largest submission accepted, bytes")
	f.DurationVar(&o.nonceTTL, "nonce-ttl", fleet.DefaultNonceTTL, "how long a nonce stays valid")
	addTPMRoots(cmd, &o.tpmRoots)
	f.BoolVar(&o.tpmEndorsedOnly, "tpm-endorsed-only", false, "challenge only TPMs whose EK certificate chains to a trust anchor (embedded bundle, --tpm-roots)")
	f.IntVar(&o.maxNonces, "max-nonces", fleet.DefaultMaxNonces, "outstanding nonces one agent may hold")
	f.IntVar(&o.maxConns, "max-conns", fleet.DefaultMaxConns, "connections served at once")
	f.DurationVar(&o.probeMaxAge, "probe-max-age", fleet.DefaultProbeMaxAge, "age past which /probe calls a run stale, unless the scrape says max_age")
	cmd.AddCommand(a.serveTokenCommand(), a.serveAgentsCommand(), a.serveRevokeCommand())
	return cmd
}

// serve runs the verifier service of o until ctx ends.
func (a *app) serve(ctx context.Context, o serveOpts) error {
	cfg, err := o.config(ctx, a.limits)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(a.resultsDir, 0o755); err != nil {
		return runtimeErr(fmt.Errorf("creating results directory: %w", err))
	}
	var opts fleet.StoreOptions
	if !fleet.IsPostgresURL(o.db) { // PostgreSQL indexes runs itself
		x, err := store.OpenIndex(ctx, a.resultsDir)
		if err != nil {
			return runtimeErr(err)
		}
		defer x.Close()
		opts.Index = x
	}
	st, err := fleet.OpenStore(ctx, o.db, opts)
	if err != nil {
		return runtimeErr(err)
	}
	defer st.Close()
	base := certBase(o.db, a.resultsDir)
	cert, err := serveCert(o.listen, base, o.certPath, o.tlsKey)
	if err != nil {
		return usageErr(err)
	}
	agentCA, err := fleet.LoadOrCreateAgentCA(base+".agent-ca.crt", base+".agent-ca.key")
	if err != nil {
		return runtimeErr(err)
	}
	cfg.ResultsDir, cfg.Store, cfg.AgentCA, cfg.Harness, cfg.Log = a.resultsDir, st, agentCA, harness(), a.log
	srv, err := fleet.NewServer(cfg)
	if err != nil {
		return usageErr(err)
	}
	return runtimeErrOrNil(serveHTTPS(ctx, srv, srv.HTTPServer(o.listen), cert, a))
}

// config reads what the flags name (suites, signing key, TPM roots) into
// the verifier's configuration; a bad one is a usage error.
func (o serveOpts) config(ctx context.Context, lim limits.Limits) (fleet.Config, error) {
	if o.suites == "" || o.keyPath == "" {
		return fleet.Config{}, usageErr(errors.New("serve: say --suites DIR and --signing-key FILE (the private key that signs reports)"))
	}
	ss, err := fleet.LoadSuites(ctx, o.suites, lim)
	if err != nil {
		return fleet.Config{}, usageErr(err)
	}
	key, err := sign.LoadPrivateKey(ctx, o.keyPath, lim)
	if err != nil {
		return fleet.Config{}, usageErr(err)
	}
	roots, err := o.tpmRoots.store()
	if err != nil {
		return fleet.Config{}, err
	}
	return fleet.Config{Suites: ss, Key: key, NonceTTL: o.nonceTTL, MaxBody: o.maxBody, TPMRoots: roots, ChallengeEndorsedOnly: o.tpmEndorsedOnly,
		MaxNonces: o.maxNonces, MaxConns: o.maxConns, ProbeMaxAge: o.probeMaxAge}, nil
}

// openExistingStore opens the verifier's store for the admin commands,
// which must not create an empty SQLite file for a mistyped --db.
func openExistingStore(ctx context.Context, db string) (fleet.Store, error) {
	if !fleet.IsPostgresURL(db) {
		if _, err := os.Stat(db); err != nil {
			return nil, usageErr(fmt.Errorf("--db %s: no verifier store there: %w", db, err))
		}
	}
	st, err := fleet.OpenStore(ctx, db, fleet.StoreOptions{})
	if err != nil {
		return nil, runtimeErr(err)
	}
	return st, nil
}

// certBase is where a self-signed certificate goes, without its suffix:
// next to an SQLite store, in the results directory beside a PostgreSQL one.
func certBase(db, resultsDir string) string {
	if fleet.IsPostgresURL(db) {
		return filepath.Join(resultsDir, "verifier")
	}
	return filepath.Clean(db)
}

// serveCert loads the given key pair, or a self-signed one at base.crt
// and base.key.
func serveCert(listen, base, certPath, keyPath string) (tls.Certificate, error) {
	if (certPath == "") != (keyPath == "") {
		return tls.Certificate{}, errors.New("serve: say both --tls-cert and --tls-key, or neither")
	}
	if certPath != "" {
		return tls.LoadX509KeyPair(certPath, keyPath)
	}
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if h, _, err := net.SplitHostPort(listen); err == nil && h != "" {
		hosts = append(hosts, h)
	}
	if h, err := os.Hostname(); err == nil {
		hosts = append(hosts, h)
	}
	return fleet.LoadOrCreateCert(base+".crt", base+".key", hosts)
}

// serveHTTPS serves until ctx is done, then shuts down gracefully.
func serveHTTPS(ctx context.Context, srv *fleet.Server, hs *http.Server, cert tls.Certificate, a *app) error {
	hs.TLSConfig = fleet.ServerTLSConfig(cert) // agents may authenticate with client certificates
	ln, err := net.Listen("tcp", hs.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", hs.Addr, err)
	}
	a.log.Warn("verifier listening", "addr", "https://"+ln.Addr().String())
	ln = srv.Listener(ln)
	errc := make(chan error, 1)
	go func() { errc <- hs.ServeTLS(ln, "", "") }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return hs.Shutdown(sctx)
	}
}

func runtimeErrOrNil(err error) error {
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return runtimeErr(err)
}
