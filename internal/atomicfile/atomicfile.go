package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Write writes data to path through a temporary file in the same
// directory, fsyncs it, renames it into place and fsyncs the directory.
// The temporary file is hidden (".name.tmp-*"), so a crash mid-write never
// leaves a file that looks like a finished one; the next Write in that
// directory removes what such a crash left (RemoveLeftovers).
func Write(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	// A shared lock on the directory says "a write is under way here":
	// RemoveLeftovers removes temporary files only when nobody holds it.
	unlock := lockDir(dir, unix.LOCK_SH)
	err := write(dir, path, data, perm)
	unlock()
	if err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	RemoveLeftovers(dir) // best effort: a leftover never blocks a write
	return nil
}

func write(dir, path string, data []byte, perm os.FileMode) error {
	tmp, err := writeTemp(dir, filepath.Base(path), data, perm)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("renaming into %s: %w", path, err)
	}
	return nil
}

// writeTemp writes data to a new temporary file of base in dir, with mode
// perm, fsyncs and closes it, and returns its path.
func writeTemp(dir, base string, data []byte, perm os.FileMode) (string, error) {
	f, err := createTemp(dir, base)
	if err != nil {
		return "", fmt.Errorf("creating temporary file in %s: %w", dir, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return "", fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err := f.Chmod(perm); err != nil {
		return "", fmt.Errorf("setting mode of %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("syncing %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("closing %s: %w", tmp, err)
	}
	ok = true
	return tmp, nil
}

// tempName is the temporary file of a write of base: hidden, with a
// suffix of always ten digits, so its length is known beforehand
// (CheckWritable creates the longest name a write will use).
func tempName(base string, n uint32) string {
	return fmt.Sprintf(".%s.tmp-%010d", base, n)
}

// IsTemporary says whether a file name is that of a temporary file of
// Write, these and earlier versions' (os.CreateTemp's suffix has no fixed
// length): ^\..+\.tmp-[0-9]+$, matched by hand because compiling that
// regular expression at package init cost every agent start 0.2 ms. Such
// a file is never a finished file, whatever else its name says.
func IsTemporary(name string) bool {
	i := strings.LastIndex(name, ".tmp-")
	if i < 2 || name[0] != '.' || i+len(".tmp-") == len(name) || strings.ContainsRune(name[1:i], '\n') {
		return false
	}
	for _, c := range name[i+len(".tmp-"):] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func createTemp(dir, base string) (*os.File, error) {
	for range 100 {
		name := filepath.Join(dir, tempName(base, rand.Uint32()))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, fmt.Errorf("no free temporary name for %s", base)
}

// CheckWritable says whether Write(path, …) can create its temporary file:
// the directory exists or can be made, the file system accepts the names
// and this process may write there. It creates the directory, and creates
// and removes the longest temporary file a write of path uses.
func CheckWritable(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	name := filepath.Join(dir, tempName(filepath.Base(path), 4_000_000_000+rand.Uint32N(1e8)))
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("creating a file in %s: %w", dir, err)
	}
	f.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("removing %s: %w", name, err)
	}
	return nil
}

// RemoveLeftovers removes the temporary files that interrupted writes (a
// crash, kill -9) left in dir, and returns their paths. It does so only
// when no Write is under way in dir (it takes the directory's lock without
// waiting); otherwise it removes nothing and a later call will.
func RemoveLeftovers(dir string) ([]string, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", dir, err)
	}
	defer d.Close()
	if err := unix.Flock(int(d.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, nil // a write is under way
		}
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	ents, err := d.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	var removed []string
	var errs []error
	for _, e := range ents {
		if !e.Type().IsRegular() || !IsTemporary(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("removing %s: %w", p, err))
			continue
		}
		removed = append(removed, p)
	}
	return removed, errors.Join(errs...)
}

// lockDir takes a flock of kind how on dir and returns its release. When
// the directory cannot be opened or locked, it returns a no-op: writing
// does not depend on the lock, only the cleaning of leftovers does.
func lockDir(dir string, how int) func() {
	d, err := os.Open(dir)
	if err != nil {
		return func() {}
	}
	if err := unix.Flock(int(d.Fd()), how); err != nil {
		d.Close()
		return func() {}
	}
	return func() { d.Close() }
}
