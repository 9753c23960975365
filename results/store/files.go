package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/internal/atomicfile"
	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/sign"
)

// SkippedFile is a file a folder read passed over, and why: it could not
// be read, was larger than its bound, or is not a report.
type SkippedFile struct {
	Path string
	Err  error
}

func (s SkippedFile) Error() string { return fmt.Sprintf("skipped %s: %v", s.Path, s.Err) }
func (s SkippedFile) Unwrap() error { return s.Err }

// ReportFiles lists the report files under paths: a path that is a file is
// taken as it is; a directory is searched recursively for non-hidden *.json
// files (testdata directories below it skipped), in lexical order. Hidden
// files, the temporary files of an interrupted write among them, are never
// listed. A path that does not exist is an error; a subdirectory that
// cannot be listed is skipped and returned.
func ReportFiles(paths ...string) ([]string, []SkippedFile, error) {
	var files []string
	var skipped []SkippedFile
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("reading %s: %w", p, err)
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		f, s, err := reportFiles(p)
		if err != nil {
			return nil, nil, err
		}
		files, skipped = append(files, f...), append(skipped, s...)
	}
	return files, skipped, nil
}

// NotReportDir reports whether a directory met while walking root for
// reports is to be skipped: hidden directories (temporary files of an
// interrupted write among them), testdata, and key folders — a folder
// holding a sovbench key (the demo's demo-key/, with its TPM and TEE test
// material) holds no reports. root itself is never skipped.
func NotReportDir(root, path string, d fs.DirEntry) bool {
	if !d.IsDir() || path == root {
		return false
	}
	if d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") {
		return true
	}
	for _, key := range []string{sign.PrivateKeyFile, sign.PublicKeyFile} {
		if _, err := os.Stat(filepath.Join(path, key)); err == nil {
			return true
		}
	}
	return false
}

// reportFiles lists the report files under dir (see ReportFiles),
// skipping what NotReportDir skips.
func reportFiles(dir string) ([]string, []SkippedFile, error) {
	var files []string
	var skipped []SkippedFile
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == dir {
				return fmt.Errorf("listing reports in %s: %w", dir, err)
			}
			skipped = append(skipped, SkippedFile{path, err})
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if NotReportDir(dir, path, d) {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		if d.Type().IsRegular() && isReportName(d.Name()) {
			files = append(files, path)
		}
		return nil
	})
	return files, skipped, err
}

// ReadEach reads the report files under paths (as ReportFiles lists them)
// one at a time, within lim, and calls fn with each report: a folder of
// reports never has to fit in memory at once. A file that cannot be read
// as a report is skipped and returned with the reason; the others are
// still read. A path that does not exist, a cancelled context or an error
// from fn stops the read.
func ReadEach(ctx context.Context, lim limits.Limits, paths []string, fn func(path string, r *results.Report) error) ([]SkippedFile, error) {
	files, skipped, err := ReportFiles(paths...)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		r, err := ReadReport(ctx, f, lim)
		if err != nil {
			if ctx.Err() != nil {
				return skipped, err
			}
			skipped = append(skipped, SkippedFile{f, err})
			continue
		}
		if err := fn(f, r); err != nil {
			return skipped, err
		}
	}
	return skipped, nil
}

// ScanRuns reads the run records of every report file under dir straight
// from the files, without the index: what read-only commands use where the
// index cannot be opened for writing (a read-only results folder). Paths
// are relative to dir, as in the index; runs are ordered as Index.Runs
// orders them. Bad files are skipped as by ReadEach.
func ScanRuns(ctx context.Context, lim limits.Limits, dir string) ([]RunRecord, []SkippedFile, error) {
	var runs []RunRecord
	skipped, err := ReadEach(ctx, lim, []string{dir}, func(path string, r *results.Report) error {
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			rel = path
		}
		runs = append(runs, RecordOf(r, filepath.ToSlash(rel)))
		return nil
	})
	slices.SortFunc(runs, func(a, b RunRecord) int {
		if c := a.Started.Compare(b.Started); c != 0 {
			return c
		}
		return strings.Compare(a.RunID, b.RunID)
	})
	return runs, skipped, err
}

// LoadReports reads every report under paths (as ReportFiles lists them)
// with the default limits. Unlike ReadEach it is strict: a file that is
// not a valid report is an error naming that file.
func LoadReports(paths ...string) ([]*results.Report, error) {
	files, skipped, err := ReportFiles(paths...)
	if err != nil {
		return nil, err
	}
	if len(skipped) > 0 {
		return nil, skipped[0]
	}
	var out []*results.Report
	for _, f := range files {
		r, err := ReadReport(context.Background(), f, limits.Limits{})
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no reports found in %s", strings.Join(paths, ", "))
	}
	return out, nil
}

// RemoveLeftovers removes the temporary files that interrupted writes left
// anywhere under dir (see atomicfile.RemoveLeftovers) and returns them.
func RemoveLeftovers(dir string) ([]string, error) {
	var removed []string
	var errs []error
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		r, err := atomicfile.RemoveLeftovers(path)
		removed = append(removed, r...)
		if err != nil {
			errs = append(errs, err)
		}
		return nil
	})
	return removed, errors.Join(append(errs, err)...)
}
