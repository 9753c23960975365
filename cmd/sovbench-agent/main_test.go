package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/internal/buildinfo"
	"github.com/sovbench/sovbench/results"
)

func runAgent(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCommandLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"without a mode it says what to say", nil, exitUsage, "say --stdio or --server"},
		{"an unknown flag is a usage error", []string{"--nope"}, exitUsage, "flag provided but not defined"},
		{"a stray argument is a usage error", []string{"--stdio", "extra"}, exitUsage, `unexpected argument "extra"`},
		{"--server without --suite is a usage error", []string{"agent", "--server", "https://127.0.0.1:1"}, exitUsage, "--server needs --suite"},
		{"a hostile --name is refused before any call", []string{"--server", "https://127.0.0.1:1", "--suite", "s", "--name", "web\x1b[2J"}, exitUsage, `"web\x1b[2J"`},
		{"a boolean takes only true or false", []string{"--stdio=1"}, exitUsage, `want true or false, found "1"`},
		{"an unknown output format is a usage error", []string{"-o", "yaml", "--stdio"}, exitUsage, "want text or json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, e := runAgent(t, "", tc.args...)
			if code != tc.code || !strings.Contains(e, tc.says) {
				t.Fatalf("exit %d, stderr %q; want %d saying %q", code, e, tc.code, tc.says)
			}
		})
	}
	t.Run("--help lists every flag and exits 0", func(t *testing.T) {
		code, _, e := runAgent(t, "", "--help")
		if code != exitOK || strings.Contains(e, "panic") || !strings.Contains(e, "-mtls") || !strings.Contains(e, "-stdio") {
			t.Fatalf("exit %d, stderr %q", code, e)
		}
	})
	t.Run("version names the binary, its commit and Go version", func(t *testing.T) {
		defer buildinfo.Set("v1.2.3", "0123456789abcdef0123456789abcdef01234567", "2026-05-01T10:00:00Z", false)()
		code, o, _ := runAgent(t, "", "version")
		if code != exitOK || !strings.HasPrefix(o, "sovbench-agent v1.2.3\ncommit:  0123456789abcdef0123456789abcdef01234567\n") || !strings.Contains(o, "go:      go1.") {
			t.Fatalf("exit %d, %q", code, o)
		}
		code, o, _ = runAgent(t, "", "version", "-o", "json")
		var b buildinfo.Info
		if err := json.Unmarshal([]byte(o), &b); code != exitOK || err != nil || b.Commit != "0123456789abcdef0123456789abcdef01234567" || b.Name != "sovbench-agent" {
			t.Fatalf("exit %d, %v, %q", code, err, o)
		}
	})
}

// TestStdioRunsAPlanOnAFixtureHost is what the lab executor does: a plan on
// standard input ("agent --stdio", the CLI's argument order), the host
// probe reading a lab fixture, one evidence line out.
func TestStdioRunsAPlanOnAFixtureHost(t *testing.T) {
	root := t.TempDir()
	for p, body := range map[string]string{"proc/sys/kernel/osrelease": "6.1-slim\n", ".sovbench/cpuid": "hypervisor_bit: 0\nvendor: GenuineIntel\n"} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(root, p), []byte(body), 0o644)
	}
	plan := `{"target":{"name":"h","kind":"lab"},"concurrency":1,"steps":[{"id":"host","probe":"host","timeout":"20s","params":{"metadata":false}}]}`
	code, o, e := runAgent(t, plan, "agent", "--stdio", "--lab-fixture", root)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, e)
	}
	var ev results.Evidence
	if err := json.Unmarshal([]byte(o), &ev); err != nil {
		t.Fatalf("%v: %q", err, o)
	}
	if ev.ID != "h/host" || ev.Host == nil || ev.Failure != nil || !strings.Contains(o, "6.1-slim") {
		t.Fatalf("evidence %s: %+v, %v; want the fixture's host", ev.ID, ev.Host, ev.Failure)
	}
}
