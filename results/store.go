package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// ReportPath is where a report is stored under dir:
// <dir>/<provider>/<UTC start time>-<run id>.json.
func ReportPath(dir string, r *Report) string {
	provider := strings.Trim(unsafeName.ReplaceAllString(r.Provider.Name, "-"), "-.")
	if provider == "" {
		provider = "unnamed"
	}
	name := r.Started.UTC().Format("20060102T150405Z") + "-" + r.RunID + ".json"
	return filepath.Join(dir, provider, name)
}

// WriteReport stores r under dir atomically (temp file, fsync, rename, fsync
// of the directory), so a crash leaves either the whole report or nothing.
// It returns the path written.
func WriteReport(dir string, r *Report) (string, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encoding report: %w", err)
	}
	path := ReportPath(dir, r)
	if err := WriteFileAtomic(path, append(b, '\n'), 0o644); err != nil {
		return "", err
	}
	return path, nil
}

// WriteFileAtomic writes data to path through a temporary file in the same
// directory, fsyncs it, renames it into place and fsyncs the directory.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("creating temporary file in %s: %w", dir, err)
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
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("setting mode of %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("renaming into %s: %w", path, err)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// ReadReport reads and decodes a report file, checking its schema. Errors
// name the file and, for malformed JSON, the line and column.
func ReadReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading report: %w", err)
	}
	if IsEnvelope(b) { // a signed report; its content is not verified here
		return readSignedReport(path, b)
	}
	return decodeReport(path, b)
}

func decodeReport(path string, b []byte) (*Report, error) {
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decoding report %s: %w", jsonPosition(path, b, err), err)
	}
	if r.Schema != Schema {
		return nil, fmt.Errorf("report %s: schema: %q, want %q", path, r.Schema, Schema)
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
// file that is not hidden. WriteFileAtomic's temporary files are hidden
// (".name.json.tmp-*"), so a crash mid-write never leaves a file that looks
// like a report.
func isReportName(name string) bool {
	return strings.HasSuffix(name, ".json") && !strings.HasPrefix(name, ".")
}
