// Package swtpmtest starts a software TPM for tests in any package.
package swtpmtest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/sovbench/sovbench/attest/swtpm"
)

// Start starts a provisioned swtpm (EK certificate from its own local CA)
// in a temporary directory and stops it when the test ends. Without swtpm
// the test is skipped, except under CI=true, where it fails: CI installs
// swtpm (scripts/deps), so its absence there is a gap, not a choice.
func Start(t testing.TB) *swtpm.Instance {
	t.Helper()
	if err := swtpm.Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and swtpm is missing: %v", err)
		}
		t.Skipf("swtpm not installed: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	inst, err := swtpm.Start(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inst.Stop() })
	return inst
}
