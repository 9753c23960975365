package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/lab/labtest"
)

// TestDemoWritesVerifiableReports runs a narrowed demo twice as the real
// command: every report it leaves verifies with the demo key, has its HTML
// page, and the second run reuses the key the first generated.
func TestDemoWritesVerifiableReports(t *testing.T) {
	labtest.RequireRoot(t)
	dir := t.TempDir()
	args := []string{"demo", "--results-dir", dir, "--agent", labtest.Binary(t), "--name", labtest.UniqueName("demo"),
		"--provider", "clarence,azure-eu", "--suite", "disconnected,jurisdiction"}
	out, err := sovbench(t, dir, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	for _, want := range []string{"egress.disconnected: true", "jurisdiction.not_subject_to: [US]", "clarence", "azure-eu"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	pub := filepath.Join(dir, "demo-key", "sovbench.pub")
	key, err := os.ReadFile(pub)
	if err != nil {
		t.Fatal(err)
	}
	reports, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if len(reports) != 4 {
		t.Fatalf("%d reports, want 2 providers × 2 suites: %v", len(reports), reports)
	}
	for _, r := range reports {
		if out, err := sovbench(t, dir, "verify", "--trusted-key", pub, r).CombinedOutput(); err != nil {
			t.Errorf("verify %s: %v\n%s", r, err, out)
		}
		if _, err := os.Stat(strings.TrimSuffix(r, ".json") + ".html"); err != nil {
			t.Errorf("no HTML page for %s: %v", r, err)
		}
	}
	args[len(args)-1] = "jurisdiction"
	if out, err := sovbench(t, dir, args...).CombinedOutput(); err != nil {
		t.Fatalf("second demo: %v\n%s", err, out)
	}
	if again, _ := os.ReadFile(pub); string(again) != string(key) {
		t.Fatal("the second run replaced the demo key")
	}
}
