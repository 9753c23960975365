package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/sovbench/sovbench/results/store"
)

// skips collects the files a folder command passed over, once each.
type skips struct {
	files []store.SkippedFile
	seen  map[string]bool
}

func (s *skips) add(files ...store.SkippedFile) {
	for _, f := range files {
		if s.seen == nil {
			s.seen = map[string]bool{}
		}
		if !s.seen[f.Path] {
			s.seen[f.Path] = true
			s.files = append(s.files, f)
		}
	}
}

// has says whether path was skipped.
func (s *skips) has(path string) bool { return s.seen[path] }

// report names every skipped file on stderr (also with --quiet: each one
// explains the exit code) and returns the error that exits with
// exitSkipped, or nil when nothing was skipped.
func (a *app) reportSkipped(s *skips) error {
	if len(s.files) == 0 {
		return nil
	}
	a.warnSkipped(s)
	n := len(s.files)
	return &exitError{exitSkipped, fmt.Errorf("%d %s skipped (named above); the rest was read", n, plural(n, "file was", "files were"))}
}

// warnSkipped names every skipped file on stderr.
func (a *app) warnSkipped(s *skips) {
	for _, f := range s.files {
		fmt.Fprintf(a.stderr, "sovbench: warning: %v\n", f)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// firstErr returns the first non-nil error: a command's own failure takes
// precedence over "some files were skipped".
func firstErr(errs ...error) error {
	i := slices.IndexFunc(errs, func(err error) bool { return err != nil })
	if i < 0 {
		return nil
	}
	return errs[i]
}

// runsIn returns every run under the results folder dir: from its index,
// brought up to date first, when the folder can be written; straight from
// the report files when it cannot (a read-only folder), so that every
// read-only command works there. Bad files are skipped into s.
func (a *app) runsIn(ctx context.Context, dir string, s *skips) ([]store.RunRecord, error) {
	if fi, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("reading %s: not a directory", dir)
	}
	if writable(dir) {
		runs, err := a.indexedRuns(ctx, dir, s)
		if err == nil || !store.IsReadOnly(err) {
			return runs, err
		}
		a.log.Debug("the index cannot be written; reading the report files", "dir", dir, "err", err)
	}
	runs, skipped, err := store.ScanRuns(ctx, a.limits, dir)
	s.add(skipped...)
	return runs, err
}

// writable says whether this process may change dir and its index (the
// kernel's answer: a read-only mount says no, also to root).
func writable(dir string) bool {
	if unix.Access(dir, unix.W_OK) != nil {
		return false
	}
	idx := filepath.Join(dir, store.IndexName)
	err := unix.Access(idx, unix.W_OK)
	return err == nil || errors.Is(err, fs.ErrNotExist)
}
