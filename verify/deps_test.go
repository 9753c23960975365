package verify_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestOfflineVerifierLinksOnlyPureChecks enforces what the verifier must
// not link: no SSH (the runner's executor), no lab, no SQLite (the run
// index), no TPM simulator, no probe implementation and no runner.
func TestOfflineVerifierLinksOnlyPureChecks(t *testing.T) {
	for _, path := range deps(t, ".") {
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

// deps lists the packages pkg links (go list -deps), from this directory.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(goTool, "list", "-deps", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	return strings.Fields(string(out))
}
