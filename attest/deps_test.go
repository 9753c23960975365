package attest_test

import (
	"strings"
	"testing"

	"github.com/sovbench/sovbench/internal/godeps"
)

// TestPureHalfLinksNoDevice enforces the split the package doc describes:
// attest and attest/tee link neither a collecting half (TPM, SEV-SNP and TDX
// guest devices, configfs-tsm, the lab's test signer) nor the TPM
// simulator, and build without cgo.
func TestPureHalfLinksNoDevice(t *testing.T) {
	for _, pkg := range []string{".", "./tee"} {
		t.Run(pkg, func(t *testing.T) { pureDeps(t, pkg) })
	}
}

func pureDeps(t *testing.T, pkg string) {
	for _, line := range godeps.List(t, []string{"CGO_ENABLED=0"}, "-f", "{{.ImportPath}} {{len .CgoFiles}}", pkg) {
		path, cgoFiles, _ := strings.Cut(line, " ")
		switch {
		case strings.Contains(path, "go-tpm-tools/simulator"), strings.Contains(path, "go-tpm-tools/client"),
			strings.HasPrefix(path, "github.com/sovbench/sovbench/attest/collect"),
			strings.HasPrefix(path, "github.com/sovbench/sovbench/attest/tee/"),
			strings.HasPrefix(path, "github.com/google/go-sev-guest/client"),
			strings.HasPrefix(path, "github.com/google/go-tdx-guest/client"),
			strings.HasPrefix(path, "github.com/google/go-sev-guest/testing"),
			strings.HasPrefix(path, "github.com/google/go-tdx-guest/testing"),
			strings.HasPrefix(path, "github.com/google/go-configfs-tsm"):
			t.Errorf("%s links %s", pkg, path)
		case cgoFiles != "0":
			t.Errorf("%s needs cgo: %s has %s cgo files without CGO_ENABLED", pkg, path, cgoFiles)
		}
	}
}
