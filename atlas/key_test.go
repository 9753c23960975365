package atlas

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sovbench/sovbench/internal/limits"
)

func TestReadKeyFileIsBounded(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "key")
	os.WriteFile(good, []byte("abc-123\n"), 0o600)
	if k, err := ReadKeyFile(good); err != nil || k.value() != "abc-123" {
		t.Fatalf("ReadKeyFile(good) = %q, %v", k.value(), err)
	}
	huge := filepath.Join(dir, "huge")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(1 << 30) // sparse: refused from its size, never read
	f.Close()
	var tl *limits.TooLargeError
	if _, err := ReadKeyFile(huge); !errors.As(err, &tl) {
		t.Fatalf("ReadKeyFile(1 GiB) = %v, want a *limits.TooLargeError", err)
	}
	if _, err := ReadKeyFile("/dev/zero"); !errors.As(err, &tl) {
		t.Fatalf("ReadKeyFile(/dev/zero) = %v, want a *limits.TooLargeError", err)
	}
}
