package results_test

import (
	"strings"
	"testing"

	"github.com/sovbench/sovbench/internal/godeps"
)

// TestDataModelImportsNothingOfOurs enforces that results is the data
// model only: it links no other package of ours and none of the storage,
// rendering, signing or statistics libraries its sub-packages use.
func TestDataModelImportsNothingOfOurs(t *testing.T) {
	for _, path := range godeps.List(t, nil, ".") {
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
