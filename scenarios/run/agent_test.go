package run

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDefaultAgentIsTheSlimAgentBesideThisExecutable(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	slim := filepath.Join(filepath.Dir(exe), SlimAgent)
	if _, err := os.Stat(slim); err == nil {
		t.Skipf("%s exists already; not touching it", slim)
	}
	t.Run("without a slim agent beside it, this executable", func(t *testing.T) {
		if got, err := DefaultAgent(); err != nil || got != exe {
			t.Fatalf("DefaultAgent() = %s, %v; want %s", got, err, exe)
		}
	})
	t.Run("a slim agent that is not executable is passed over", func(t *testing.T) {
		if err := os.WriteFile(slim, []byte("#!/bin/sh\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(slim)
		if got, _ := DefaultAgent(); got != exe {
			t.Fatalf("DefaultAgent() = %s, want %s", got, exe)
		}
	})
	t.Run("with an executable slim agent beside it, that one", func(t *testing.T) {
		if err := os.WriteFile(slim, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(slim)
		r := &Runner{}
		if got, err := r.agentPath(); err != nil || got != slim {
			t.Fatalf("agentPath() = %s, %v; want %s", got, err, slim)
		}
		r.AgentPath = "/opt/sovbench/agent"
		if got, _ := r.agentPath(); got != r.AgentPath {
			t.Fatalf("a named agent was overridden by %s", got)
		}
	})
}
