package results_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestDataModelImportsNothingOfOurs enforces that results is the data
// model only: it links no other package of ours and none of the storage,
// rendering, signing or statistics libraries its sub-packages use.
func TestDataModelImportsNothingOfOurs(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, path := range strings.Fields(string(out)) {
		switch {
		case path == "github.com/sovbench/sovbench/results":
		case strings.HasPrefix(path, "github.com/sovbench/sovbench/"),
			strings.Contains(path, "sqlite"),
			strings.Contains(path, "tablewriter"),
			strings.Contains(path, "securesystemslib"), // DSSE
			strings.Contains(path, "in-toto"),
			strings.HasPrefix(path, "google.golang.org/protobuf"),
			strings.Contains(path, "montanaflynn/stats"):
			t.Errorf("results links %s", path)
		}
	}
}
