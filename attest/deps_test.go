package attest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestPureHalfLinksNoDevice enforces the split the package doc describes:
// attest links neither the collecting half nor the TPM simulator, and
// builds without cgo.
func TestPureHalfLinksNoDevice(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}} {{len .CgoFiles}}", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, cgoFiles, _ := strings.Cut(line, " ")
		switch {
		case strings.Contains(path, "go-tpm-tools/simulator"), strings.Contains(path, "go-tpm-tools/client"),
			strings.HasPrefix(path, "github.com/sovbench/sovbench/attest/collect"):
			t.Errorf("attest links %s", path)
		case cgoFiles != "0":
			t.Errorf("attest needs cgo: %s has %s cgo files without CGO_ENABLED", path, cgoFiles)
		}
	}
}
