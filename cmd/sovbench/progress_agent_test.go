package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sovbench/sovbench/lab/labtest"
	"github.com/sovbench/sovbench/results/sign"
)

// slowVerifier starts "sovbench serve" on loopback with one suite, t: a
// controlplane step of 20 requests 30 ms apart (slowCountingSuite). It
// returns the agent flags that reach it, less --name, --credentials and
// --token, and a function that issues an enrolment token.
func slowVerifier(t *testing.T) (flags []string, token func() string) {
	t.Helper()
	dir := t.TempDir()
	suites := filepath.Join(dir, "suites")
	os.MkdirAll(suites, 0o755)
	slowCountingSuite(t, suites)
	k, err := sign.GenerateKey(sign.KeyEd25519)
	if err != nil {
		t.Fatal(err)
	}
	keyPath, _, err := sign.WriteKeyPair(dir, k)
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "fleet.sqlite")
	token = func() string {
		var o, e bytes.Buffer
		if code := execute(context.Background(), []string{"serve", "token", "--db", db}, &o, &e); code != exitOK {
			t.Fatalf("serve token: exit %d: %s", code, e.String())
		}
		return strings.TrimSpace(o.String())
	}
	token() // the database and its CA exist before the verifier starts
	addr := freePort(t)
	srv := sovbench(t, dir, "--results-dir", filepath.Join(dir, "results"), "serve", "--listen", addr,
		"--suites", suites, "--signing-key", keyPath, "--db", db)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait() })
	waitListening(t, addr)
	return []string{"--server", "https://" + addr, "--ca", db + ".crt", "--suite", "t"}, token
}

// onTerminal gives run a pseudo-terminal as its stderr and returns what
// the terminal showed once run is done.
func onTerminal(t *testing.T, run func(tty *os.File)) string {
	t.Helper()
	master, tty := openPTY(t)
	var shown bytes.Buffer
	copied := make(chan struct{})
	go func() { io.Copy(&shown, master); close(copied) }()
	run(tty)
	tty.Close()
	select {
	case <-copied:
	case <-time.After(5 * time.Second):
	}
	return shown.String()
}

// TestFleetAgentShowsAttemptsOnATerminal: the slim agent and "sovbench
// agent", running a verifier's plan, draw the run's bar on a terminal (the
// running step's attempts included) and wipe it before the verdicts; on a
// pipe they write no progress at all.
func TestFleetAgentShowsAttemptsOnATerminal(t *testing.T) {
	flags, token := slowVerifier(t)
	slim := labtest.AgentBinary(t)
	creds := t.TempDir()
	slimAgent := func(name string, stderr *os.File, extra ...string) (string, error) {
		args := append(append([]string{"--name", name, "--credentials", filepath.Join(creds, name+".json")}, flags...), extra...)
		cmd := exec.Command(slim, args...)
		cmd.Stderr = stderr
		out, err := cmd.Output()
		return string(out), err
	}
	t.Run("the slim agent on a terminal", func(t *testing.T) {
		var out string
		var err error
		shown := onTerminal(t, func(tty *os.File) { out, err = slimAgent("a1", tty, "--token", token()) })
		if err != nil || !strings.Contains(out, "control_plane.max_distance_km") {
			t.Fatalf("agent: %v\n%s\n%q", err, out, shown)
		}
		if !strings.Contains(shown, "probes 0/1 · local/controlplane") || !strings.Contains(shown, "/20 requests") || !strings.HasSuffix(shown, "\r\x1b[K") {
			t.Fatalf("the terminal did not show the run's attempts, then a clean line:\n%q", shown)
		}
	})
	t.Run("the slim agent on a pipe", func(t *testing.T) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		out, err := slimAgent("a1", w) // enrolled: the saved credential
		w.Close()
		got, _ := io.ReadAll(r)
		if err != nil || !strings.Contains(out, "control_plane.max_distance_km") {
			t.Fatalf("agent: %v\n%s\n%s", err, out, got)
		}
		if len(got) > 0 {
			t.Fatalf("progress reached a pipe: %q", got)
		}
	})
	t.Run("sovbench agent on a terminal", func(t *testing.T) {
		var out bytes.Buffer
		code := -1
		args := append([]string{"agent", "--name", "a2", "--credentials", filepath.Join(creds, "a2.json"), "--token", token()}, flags...)
		shown := onTerminal(t, func(tty *os.File) { code = execute(context.Background(), args, &out, tty) })
		if code != exitOK || !strings.Contains(shown, "/20 requests") || !strings.HasSuffix(shown, "\r\x1b[K") {
			t.Fatalf("exit %d; the terminal showed:\n%q", code, shown)
		}
	})
}

// attemptShown is a bar naming the attempts of a running probe of Clover's.
var attemptShown = regexp.MustCompile(`probes \d+/\d+ · clover/[a-z_-]+ \d+/\d+ (destinations|samples|requests)`)

// TestDemoShowsAttemptsOnATerminal: a narrowed demo on a terminal shows its
// bar counting every probe of its suite runs and the attempts of a running
// probe (which one the bar names last depends on timing).
func TestDemoShowsAttemptsOnATerminal(t *testing.T) {
	labtest.RequireRoot(t)
	dir := t.TempDir()
	var out []byte
	var err error
	shown := onTerminal(t, func(tty *os.File) {
		cmd := sovbench(t, dir, "demo", "--results-dir", dir, "--agent", labtest.AgentBinary(t), "--name", labtest.UniqueName("demobar"),
			"--provider", "clover", "--suite", "disconnected", "--no-tpm")
		cmd.Stderr = tty
		out, err = cmd.Output()
	})
	if err != nil && !strings.Contains(string(out), "clover") {
		t.Fatalf("demo: %v\n%s\n%q", err, out, shown)
	}
	if !attemptShown.MatchString(shown) {
		t.Fatalf("the terminal did not show the demo's attempts:\n%q", shown)
	}
}
