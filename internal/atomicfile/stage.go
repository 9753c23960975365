package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"
)

// File is one file of WriteBatch.
type File struct {
	Path string
	Data []byte
	Perm os.FileMode
}

// WriteBatch writes every file as Write does (temporary file, fsync,
// rename, fsync of the directory) but shares the work (group commit): all
// are written first, their write-back started at once (sync_file_range),
// then all are fsynced together, several at a time, so that one journal
// commit and a few cache flushes serve them all; only then are they renamed
// into place, and each directory is fsynced once for all its files.
// errs[i] is files[i]'s outcome; a file is durably in place when it is nil.
// It does not remove leftovers (RemoveLeftovers).
func WriteBatch(files []File) (errs []error) {
	errs = make([]error, len(files))
	unlock := map[string]func(){}
	defer func() {
		for _, u := range unlock {
			u()
		}
	}()
	opened := make([]*os.File, len(files))
	for i, f := range files {
		dir := filepath.Dir(f.Path)
		if unlock[dir] == nil {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				errs[i] = fmt.Errorf("creating %s: %w", dir, err)
				continue
			}
			unlock[dir] = lockDir(dir, unix.LOCK_SH)
		}
		opened[i], errs[i] = writeUnsynced(dir, f)
	}
	syncAll(opened, errs)
	dirs := map[string][]int{}
	for i, fh := range opened {
		if fh == nil {
			continue
		}
		if errs[i] == nil {
			errs[i] = rename(fh.Name(), files[i].Path)
		}
		if errs[i] != nil {
			os.Remove(fh.Name())
			continue
		}
		d := filepath.Dir(files[i].Path)
		dirs[d] = append(dirs[d], i)
	}
	for d, in := range dirs {
		if err := SyncDir(d); err != nil {
			for _, i := range in {
				errs[i] = err
			}
		}
	}
	return errs
}

// parallelSyncs is how many fsyncs of one batch run at once: concurrent
// flushes are merged by the block layer, sequential ones each wait for the
// device.
const parallelSyncs = 16

// syncAll fsyncs and closes every opened file (nil: none), parallelSyncs
// at a time, and records each outcome in errs.
func syncAll(opened []*os.File, errs []error) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(parallelSyncs, len(opened)) {
		wg.Go(func() {
			for i := range next {
				errs[i] = syncClose(opened[i])
			}
		})
	}
	for i, fh := range opened {
		if fh != nil {
			next <- i
		}
	}
	close(next)
	wg.Wait()
}

// writeUnsynced writes f to a new temporary file in dir and returns it
// open, not yet synced.
func writeUnsynced(dir string, f File) (*os.File, error) {
	fh, err := createTemp(dir, filepath.Base(f.Path))
	if err != nil {
		return nil, fmt.Errorf("creating temporary file in %s: %w", dir, err)
	}
	if _, err = fh.Write(f.Data); err == nil {
		err = fh.Chmod(f.Perm)
	}
	if err == nil {
		// Start the write-back now, so that the first fsync's journal
		// commit finds every file's blocks allocated and carries them all
		// (ext4's delayed allocation otherwise makes each fsync commit
		// anew). A hint: fsync still decides; an error here changes nothing.
		_ = unix.SyncFileRange(int(fh.Fd()), 0, 0, unix.SYNC_FILE_RANGE_WRITE)
	}
	if err != nil {
		fh.Close()
		os.Remove(fh.Name())
		return nil, fmt.Errorf("writing %s: %w", fh.Name(), err)
	}
	return fh, nil
}

func syncClose(f *os.File) error {
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("syncing %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", f.Name(), err)
	}
	return nil
}

func rename(tmp, path string) error {
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("renaming into %s: %w", path, err)
	}
	return nil
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
