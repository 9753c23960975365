package tee

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sovbench/sovbench/internal/limits"
)

func TestTestRootsFilesAreBounded(t *testing.T) {
	huge := filepath.Join(t.TempDir(), "root.pem")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(1 << 30) // sparse: refused from its size, never read
	f.Close()
	var tl *limits.TooLargeError
	for _, p := range []string{huge, filepath.Dir(huge), "/dev/zero"} {
		if err := (&Roots{}).Load(p); !errors.As(err, &tl) {
			t.Errorf("Load(%s) = %v, want a *limits.TooLargeError", p, err)
		}
	}
}
