package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/sovbench/sovbench/internal/atomicfile"
	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/internal/strictjson"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/sign"
)

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// ReportPath is where a report is stored under dir:
// <dir>/<provider>/<UTC start time>-<run id>.json.
func ReportPath(dir string, r *results.Report) string {
	name := r.Started.UTC().Format(fileTime) + "-" + r.RunID + ".json"
	return filepath.Join(dir, ProviderDir(r.Provider.Name), name)
}

const fileTime = "20060102T150405Z"

// ProviderDir is the folder a provider's reports go to: its name with
// every run of characters other than letters, digits, '.', '_' and '-'
// replaced by '-' ("unnamed" when nothing is left).
func ProviderDir(name string) string {
	provider := strings.Trim(unsafeName.ReplaceAllString(name, "-"), "-.")
	if provider == "" {
		provider = "unnamed"
	}
	return provider
}

// CheckWritable says, before any work is done, whether a report of the
// named provider can be stored under dir: the folders can be made, the
// file system takes the names (of the report and of its temporary file,
// with a run id as long as a real one) and this process may write there,
// and so may the index beside them. It creates the folders and leaves no
// file behind.
func CheckWritable(dir, provider string) error {
	name := strings.Repeat("0", len(fileTime)) + "-" + strings.Repeat("0", runIDLen) + ".json"
	path := filepath.Join(dir, ProviderDir(provider), name)
	if err := atomicfile.CheckWritable(path); err != nil {
		return fmt.Errorf("checking that reports can be stored: %w", err)
	}
	if err := atomicfile.CheckWritable(filepath.Join(dir, IndexName)); err != nil {
		return fmt.Errorf("checking that the index can be written: %w", err)
	}
	return nil
}

// runIDLen is the length of a run id (a UUID in its text form).
const runIDLen = 36

// WriteSignedReport signs r with k and stores the envelope where
// WriteReport would store the plain report (ReportPath), atomically. The
// envelope replaces the plain report: one file per run, and ReadReport
// reads either form. It returns the path written.
func WriteSignedReport(ctx context.Context, dir string, r *results.Report, k *sign.Key) (string, error) {
	env, err := sign.SignReport(ctx, r, k)
	if err != nil {
		return "", err
	}
	path := ReportPath(dir, r)
	if err := atomicfile.Write(path, env, 0o644); err != nil {
		return "", err
	}
	return path, nil
}

// WriteReport stores r under dir atomically (temp file, fsync, rename, fsync
// of the directory), so a crash leaves either the whole report or nothing.
// It returns the path written.
func WriteReport(dir string, r *results.Report) (string, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encoding report: %w", err)
	}
	path := ReportPath(dir, r)
	if err := atomicfile.Write(path, append(b, '\n'), 0o644); err != nil {
		return "", err
	}
	return path, nil
}

// ReadReport reads and decodes a report file, plain or signed, checking
// its schema. The file may not be larger than lim's report-bytes bound,
// and the read stops when ctx is done. A signed report's signature,
// subjects and verdicts are NOT checked here (package verify does that).
// Errors name the file and, for malformed JSON, the line and column.
func ReadReport(ctx context.Context, path string, lim limits.Limits) (*results.Report, error) {
	b, err := lim.ReadFile(ctx, limits.ReportBytes, path)
	if err != nil {
		return nil, fmt.Errorf("reading report: %w", err)
	}
	if sign.IsEnvelope(b) { // a signed report; its content is not verified here
		r, err := sign.ReadUnverified(b)
		if err != nil {
			return nil, fmt.Errorf("reading signed report %s: %w", path, err)
		}
		return r, nil
	}
	return decodeReport(path, b)
}

func decodeReport(path string, b []byte) (*results.Report, error) {
	var r results.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decoding report %s: %w", jsonPosition(path, b, err), err)
	}
	// A plain report is what `sovbench sign` signs: a key twice (read as its
	// last value here, maybe its first elsewhere) would sign something other
	// readers read differently.
	if err := strictjson.Check(b); err != nil {
		return nil, fmt.Errorf("decoding report %s: %w", path, err)
	}
	if r.Schema != results.Schema {
		return nil, fmt.Errorf("report %s: schema: %q, want %q", path, r.Schema, results.Schema)
	}
	if r.RunID == "" {
		return nil, fmt.Errorf("report %s: run_id: missing", path)
	}
	return &r, nil
}

// jsonPosition names path:line:col of a JSON decoding error, and the field
// when the error says which.
func jsonPosition(path string, b []byte, err error) string {
	var off int64 = -1
	field := ""
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off, field = te.Offset, te.Field
	}
	if off < 0 || off > int64(len(b)) {
		return path
	}
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(b[:off], '\n')
	pos := fmt.Sprintf("%s:%d:%d", path, line, col)
	if field != "" {
		pos += ": " + field
	}
	return pos
}

// isReportName says whether a file name can be a stored report: a .json
// file that is not hidden. Temporary files of an atomic write are hidden
// (atomicfile.Write), so a crash mid-write never leaves a file that looks
// like a report.
func isReportName(name string) bool {
	return strings.HasSuffix(name, ".json") && !strings.HasPrefix(name, ".") && !atomicfile.IsTemporary(name)
}
