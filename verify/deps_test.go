package verify_test

import (
	"strings"
	"testing"

	"github.com/sovbench/sovbench/internal/godeps"
)

// TestOfflineVerifierLinksOnlyPureChecks enforces what the verifier must
// not link: no SSH (the runner's executor), no lab, no SQLite (the run
// index), no TPM simulator, no probe implementation and no runner.
func TestOfflineVerifierLinksOnlyPureChecks(t *testing.T) {
	for _, path := range godeps.List(t, nil, ".") {
		switch {
		case strings.HasPrefix(path, "golang.org/x/crypto/ssh"),
			strings.HasPrefix(path, "github.com/sovbench/sovbench/lab"),
			strings.HasPrefix(path, "modernc.org/sqlite"),
			strings.Contains(path, "go-tpm-tools/simulator"),
			strings.HasPrefix(path, "github.com/sovbench/sovbench/attest/collect"),
			strings.HasPrefix(path, "github.com/sovbench/sovbench/probes/"),
			strings.HasPrefix(path, "github.com/sovbench/sovbench/scenarios/run"),
			strings.HasPrefix(path, "github.com/sovbench/sovbench/scenarios/plan"),
			strings.HasPrefix(path, "github.com/sovbench/sovbench/results/store"):
			t.Errorf("verify links %s", path)
		}
	}
}
