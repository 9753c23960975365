package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/sovbench/sovbench/fleet/pgtest"
	"github.com/sovbench/sovbench/results/store"
)

// TestServeOnPostgreSQL runs "sovbench serve --db postgres://…" against a
// throwaway PostgreSQL server reached over its unix socket: a token issued
// with "serve token" enrols an agent, which submits and gets signed verdicts.
func TestServeOnPostgreSQL(t *testing.T) {
	pg := pgtest.Start(t)
	db := pg.SocketURL("postgres")
	dir, suites, k, keyPath, _ := serveFixture(t)
	var out, errb bytes.Buffer
	if code := execute(context.Background(), []string{"serve", "token", "--db", db}, &out, &errb); code != exitOK {
		t.Fatalf("serve token: exit %d: %s", code, errb.String())
	}
	token := strings.TrimSpace(out.String())

	resultsDir := filepath.Join(dir, "results")
	addr := freePort(t)
	srv := sovbench(t, dir, "--results-dir", resultsDir, "serve", "--listen", addr, "--suites", suites, "--signing-key", keyPath, "--db", db)
	var srvErr bytes.Buffer
	srv.Stderr = &srvErr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait() }()
	waitListening(t, addr)

	var o, e bytes.Buffer
	code := execute(context.Background(), []string{"agent", "--server", "https://" + addr, "--ca", filepath.Join(resultsDir, "verifier.crt"),
		"--suite", "t", "--credentials", filepath.Join(dir, "agent.json"), "--name", "h1", "--token", token,
		"--lab-fixture", filepath.Join(dir, "host")}, &o, &e)
	if code != exitOK || !strings.Contains(o.String(), "hypervisor.present") || !strings.Contains(o.String(), "signed by "+k.ID) {
		t.Fatalf("agent: exit %d, stdout %q, stderr %q; verifier: %s", code, o.String(), e.String(), srvErr.String())
	}
	if _, err := os.Stat(filepath.Join(resultsDir, store.IndexName)); err == nil {
		t.Errorf("the verifier made an SQLite index in %s although PostgreSQL indexes its runs", resultsDir)
	}
}
