package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Staged is a file written and fsynced under its temporary name, not yet
// in place: Write split in two, so that many files can share one fsync of
// their directory (group commit). Place or Discard it exactly once.
type Staged struct {
	tmp, path string
	unlock    func() // the shared lock that keeps RemoveLeftovers off tmp
}

// Stage writes data to a temporary file beside path with mode perm and
// fsyncs it. The file is not at path until Place, and not durably there
// until SyncDir of its directory.
func Stage(path string, data []byte, perm os.FileMode) (*Staged, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	unlock := lockDir(dir, unix.LOCK_SH)
	tmp, err := writeTemp(dir, filepath.Base(path), data, perm)
	if err != nil {
		unlock()
		return nil, err
	}
	return &Staged{tmp: tmp, path: path, unlock: unlock}, nil
}

// Path is where Place puts the file.
func (s *Staged) Path() string { return s.path }

// Place renames the staged file into place. Its directory still needs a
// SyncDir for the rename to survive a crash.
func (s *Staged) Place() error {
	defer s.unlock()
	if err := os.Rename(s.tmp, s.path); err != nil {
		os.Remove(s.tmp)
		return fmt.Errorf("renaming into %s: %w", s.path, err)
	}
	return nil
}

// Discard removes the staged file.
func (s *Staged) Discard() {
	os.Remove(s.tmp)
	s.unlock()
}

// SyncDir fsyncs the directory dir, making the renames done in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}
