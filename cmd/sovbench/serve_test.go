package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sovbench/sovbench/results/sign"
)

// freePort returns a loopback address nothing listens on (just now).
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// waitListening dials addr until it answers or 15 s pass.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("verifier did not listen on %s", addr)
}

// serveFixture is a directory with a suites/ directory holding one suite
// (a fixture host, one claim) and an Ed25519 key pair, for a verifier. The
// host's fixture tree is at dir/host: agents get it as --lab-fixture.
func serveFixture(t *testing.T) (dir, suites string, k *sign.Key, keyPath, pubPath string) {
	t.Helper()
	dir = t.TempDir()
	suites = filepath.Join(dir, "suites")
	os.MkdirAll(suites, 0o755)
	writeSuite(t, suites, fixtureAt(t, filepath.Join(dir, "host"), map[string]string{"proc/sys/kernel/osrelease": "6.1\n"}), "  - hypervisor.present: true\n")
	k, err := sign.GenerateKey(sign.KeyEd25519)
	if err != nil {
		t.Fatal(err)
	}
	if keyPath, pubPath, err = sign.WriteKeyPair(dir, k); err != nil {
		t.Fatal(err)
	}
	return dir, suites, k, keyPath, pubPath
}

func TestServeAndAgentOverTheCLI(t *testing.T) {
	dir, suites, k, keyPath, pubPath := serveFixture(t)
	db := filepath.Join(dir, "fleet.sqlite")
	var out, errb bytes.Buffer
	if code := execute(context.Background(), []string{"serve", "token", "--db", db}, &out, &errb); code != exitOK {
		t.Fatalf("serve token: exit %d: %s", code, errb.String())
	}
	token := strings.TrimSpace(out.String())

	addr := freePort(t)
	srv := sovbench(t, dir, "--results-dir", filepath.Join(dir, "results"), "serve", "--listen", addr,
		"--suites", suites, "--signing-key", keyPath, "--db", db)
	srv.Stderr = &errb
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait() }()
	waitListening(t, addr)

	agentCtx := func(ctx context.Context, args ...string) (int, string, string) {
		var o, e bytes.Buffer
		base := []string{"agent", "--server", "https://" + addr, "--ca", db + ".crt", "--suite", "t",
			"--credentials", filepath.Join(dir, "agent.json"), "--name", "h1", "--lab-fixture", filepath.Join(dir, "host")}
		code := execute(ctx, append(base, args...), &o, &e)
		return code, o.String(), e.String()
	}
	agent := func(args ...string) (int, string, string) { return agentCtx(context.Background(), args...) }
	t.Run("an agent with a wrong token is refused", func(t *testing.T) {
		code, _, e := agent("--token", "sbt_wrong")
		if code != exitRuntime || !strings.Contains(e, "forbidden") {
			t.Fatalf("exit %d, stderr %q; want a forbidden refusal", code, e)
		}
	})
	t.Run("an enrolled agent submits and gets signed verdicts", func(t *testing.T) {
		code, o, e := agent("--token", token)
		if code != exitOK || !strings.Contains(o, "hypervisor.present") || !strings.Contains(o, "signed by "+k.ID) {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, o, e)
		}
	})
	t.Run("with --every the agent keeps submitting until stopped", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		code, o, e := agentCtx(ctx, "--every", "200ms")
		if n := strings.Count(o, "signed by"); code != exitOK || n < 2 {
			t.Fatalf("exit %d after %d runs, stderr %q; want 0 after several runs", code, n, e)
		}
	})
	t.Run("an agent enrolled with --mtls submits with its client certificate", func(t *testing.T) {
		var o2, e2 bytes.Buffer
		if code := execute(context.Background(), []string{"serve", "token", "--db", db}, &o2, &e2); code != exitOK {
			t.Fatalf("serve token: exit %d: %s", code, e2.String())
		}
		creds := filepath.Join(dir, "agent-mtls.json")
		for _, extra := range [][]string{{"--token", strings.TrimSpace(o2.String())}, nil} { // enrol, then reuse
			code, o, e := agent(append([]string{"--mtls", "--credentials", creds, "--name", "h2"}, extra...)...)
			if code != exitOK || !strings.Contains(o, "signed by "+k.ID) {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, o, e)
			}
		}
		b, _ := os.ReadFile(creds)
		if !strings.Contains(string(b), "BEGIN CERTIFICATE") || strings.Contains(string(b), `"credential"`) {
			t.Fatalf("saved credentials are not a client certificate: %s", b)
		}
	})
	t.Run("serve revoke cuts an agent off while the verifier runs; serve agents shows it", func(t *testing.T) {
		listAgents := func() map[string]map[string]string {
			var o, e bytes.Buffer
			if code := execute(context.Background(), []string{"serve", "agents", "--db", db, "-o", "json"}, &o, &e); code != exitOK {
				t.Fatalf("serve agents: exit %d: %s", code, e.String())
			}
			var rows []map[string]string
			if err := json.Unmarshal(o.Bytes(), &rows); err != nil {
				t.Fatalf("serve agents -o json: %v: %s", err, o.String())
			}
			byName := map[string]map[string]string{}
			for _, r := range rows {
				byName[r["name"]] = r
			}
			return byName
		}
		before := listAgents()
		h2 := before["h2"]
		if h2 == nil || before["h1"] == nil || h2["state"] != "active" {
			t.Fatalf("agents before revoking: %v", before)
		}
		var o, e bytes.Buffer
		if code := execute(context.Background(), []string{"serve", "revoke", "--db", db, h2["agent"]}, &o, &e); code != exitOK || !strings.HasPrefix(o.String(), "revoked "+h2["agent"]+" (h2)") {
			t.Fatalf("serve revoke: exit %d, stdout %q, stderr %q", code, o.String(), e.String())
		}
		code, _, stderr := agent("--mtls", "--credentials", filepath.Join(dir, "agent-mtls.json"), "--name", "h2")
		if code != exitRuntime || !strings.Contains(stderr, "revoked") || !strings.Contains(stderr, h2["agent"]) {
			t.Fatalf("revoked agent: exit %d, stderr %q; want a refusal naming the revocation", code, stderr)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if code, _, stderr := agentCtx(ctx, "--mtls", "--credentials", filepath.Join(dir, "agent-mtls.json"), "--name", "h2", "--every", "100ms"); code != exitRuntime || ctx.Err() != nil || !strings.Contains(stderr, "revoked") {
			t.Fatalf("revoked agent with --every: exit %d, stderr %q; want it to stop at once", code, stderr)
		}
		if code, _, stderr := agent(); code != exitOK {
			t.Fatalf("the other agent: exit %d, stderr %q", code, stderr)
		}
		if after := listAgents(); after["h2"]["state"] != "revoked" || after["h1"]["state"] != "active" {
			t.Fatalf("agents after revoking h2: %v", after)
		}
		o.Reset()
		e.Reset()
		if code := execute(context.Background(), []string{"serve", "revoke", "--db", db, "ag_nobody"}, &o, &e); code != exitUsage || !strings.Contains(e.String(), "no agent with that ID") {
			t.Fatalf("revoking an unknown agent: exit %d, stderr %q", code, e.String())
		}
	})
	t.Run("the stored reports verify with the service key", func(t *testing.T) {
		paths, _ := filepath.Glob(filepath.Join(dir, "results", "*", "*.json"))
		if len(paths) < 3 {
			t.Fatalf("reports: %v, want at least 3", paths)
		}
		var o, e bytes.Buffer
		if code := execute(context.Background(), append([]string{"verify", "--trusted-key", pubPath}, paths...), &o, &e); code != exitOK {
			t.Fatalf("verify: exit %d: %s %s", code, o.String(), e.String())
		}
	})
}

func TestServeRefusesUnreadableTPMRoots(t *testing.T) {
	dir, suites, _, keyPath, _ := serveFixture(t)
	notPEM := filepath.Join(dir, "roots.pem")
	os.WriteFile(notPEM, []byte("not a certificate"), 0o644)
	for _, roots := range []string{filepath.Join(dir, "missing.pem"), notPEM} {
		var out, errb bytes.Buffer
		code := execute(context.Background(), []string{"--results-dir", filepath.Join(dir, "results"), "serve", "--listen", freePort(t),
			"--suites", suites, "--signing-key", keyPath, "--db", filepath.Join(dir, "fleet.sqlite"), "--tpm-roots", roots}, &out, &errb)
		if code != exitUsage || !strings.Contains(errb.String(), "--tpm-roots") || !strings.Contains(errb.String(), filepath.Base(roots)) {
			t.Errorf("roots %s: exit %d, stderr %q; want a usage error naming the flag and file", roots, code, errb.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "fleet.sqlite")); err == nil {
		t.Error("the store was created although the flags were wrong")
	}
}
