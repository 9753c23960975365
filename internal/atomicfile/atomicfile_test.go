package atomicfile

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// helperEnv makes TestHelperWrite write a large file to the path it names:
// the kill test runs this test binary that way.
const helperEnv = "ATOMICFILE_TEST_WRITE"

// TestHelperWrite is not a test: it is the child process the kill test
// kills with SIGKILL in the middle of a write.
func TestHelperWrite(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		return
	}
	if err := Write(path, bytes.Repeat([]byte("x"), 64<<20), 0o644); err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}

// killMidWrite starts a writer of path and kills it with SIGKILL once its
// temporary file exists; it returns that file, or "" when the write ended
// before the kill.
func killMidWrite(t *testing.T, path string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWrite$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Microsecond) {
		if temps, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*.tmp-*")); len(temps) > 0 {
			cmd.Process.Signal(syscall.SIGKILL)
			return temps[0]
		}
		if _, err := os.Stat(path); err == nil {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	return ""
}

func TestTheNextWriteRemovesWhatAKilledWriteLeft(t *testing.T) {
	for attempt := range 5 {
		dir := t.TempDir()
		left := killMidWrite(t, filepath.Join(dir, "big.json"))
		time.Sleep(50 * time.Millisecond) // the kernel releases the dead writer's lock
		if _, err := os.Stat(left); left == "" || err != nil {
			t.Logf("attempt %d: the write ended before the kill", attempt)
			continue
		}
		if !IsTemporary(filepath.Base(left)) {
			t.Fatalf("the leftover %s is not named as a temporary file", left)
		}
		if err := Write(filepath.Join(dir, "other.json"), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(left); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("leftover %s still there after the next write (%v)", left, err)
		}
		return
	}
	t.Fatal("could not kill the writer mid-write in 5 attempts")
}

func TestAWriteUnderWayIsNotDisturbed(t *testing.T) {
	dir := t.TempDir()
	// A writer in the middle of its write: it holds the directory's shared
	// lock (through its own open file) and its temporary file exists.
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := unix.Flock(int(d.Fd()), unix.LOCK_SH); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, tempName("r.json", 42))
	if err := os.WriteFile(tmp, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(filepath.Join(dir, "other.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if removed, err := RemoveLeftovers(dir); err != nil || len(removed) != 0 {
		t.Fatalf("RemoveLeftovers during a write = %v, %v", removed, err)
	}
	if _, err := os.Stat(tmp); err != nil {
		t.Fatalf("the temporary file of a write under way was removed: %v", err)
	}
	d.Close() // the writer is gone
	if removed, err := RemoveLeftovers(dir); err != nil || len(removed) != 1 || removed[0] != tmp {
		t.Fatalf("RemoveLeftovers after the writer left = %v, %v; want [%s]", removed, err, tmp)
	}
}

func TestRemoveLeftoversTouchesNothingElse(t *testing.T) {
	dir := t.TempDir()
	keep := []string{"r.json", ".hidden.json", "x.tmp-1", ".x.tmp-", ".x.tmp-12a", "notes.txt"}
	for _, n := range keep {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	os.Mkdir(filepath.Join(dir, ".d.tmp-1"), 0o755) // a directory, not a leftover file
	os.WriteFile(filepath.Join(dir, ".old.json.tmp-123"), nil, 0o600)
	removed, err := RemoveLeftovers(dir)
	if err != nil || len(removed) != 1 || filepath.Base(removed[0]) != ".old.json.tmp-123" {
		t.Fatalf("RemoveLeftovers = %v, %v", removed, err)
	}
	for _, n := range append(keep, ".d.tmp-1") {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s was removed", n)
		}
	}
}

func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	if err := CheckWritable(filepath.Join(dir, "p", "r.json")); err != nil {
		t.Fatalf("a writable place: %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "p")); len(ents) != 0 {
		t.Errorf("CheckWritable left %v", ents)
	}
	// A name the file system takes, but not with the temporary suffix:
	// Write would fail after the work, so CheckWritable must fail now.
	long := filepath.Join(dir, strings.Repeat("n", 250)+".json")
	if err := CheckWritable(long); err == nil {
		t.Error("CheckWritable accepted a name whose temporary file is too long")
	}
	if err := Write(long, []byte("{}"), 0o644); err == nil {
		t.Error("Write took the name CheckWritable refused: the check is stricter than needed")
	}
	if err := CheckWritable("/proc/sovbench/r.json"); err == nil {
		t.Error("CheckWritable accepted a place no file can be made")
	}
}

func TestIsTemporary(t *testing.T) {
	for name, want := range map[string]bool{
		tempName("r.json", 7): true, ".r.json.tmp-123": true, "r.json": false,
		".r.json": false, "r.json.tmp-1": false, ".r.json.tmp-": false,
	} {
		if IsTemporary(name) != want {
			t.Errorf("IsTemporary(%q) = %v, want %v", name, !want, want)
		}
	}
}
