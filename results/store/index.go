package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"syscall"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sovbench/sovbench/internal/atomicfile"
	"github.com/sovbench/sovbench/internal/limits"
)

// IndexName is the index's file name inside a results directory.
const IndexName = "index.sqlite"

// indexVersion is the schema version kept in PRAGMA user_version; an index
// of another version is dropped and rebuilt from the report files. It also
// changes when what the index derives from a report changes: 2 = the
// measurements name the control-plane round trip once for every provider
// and say the location bound in words.
const indexVersion = 2

// busyTimeout is how long a statement waits for another sovbench process
// holding the index's write lock.
const busyTimeoutMs = 10000

// indexSchema is the run tables (RunSchema) and the files the index was
// built from.
var indexSchema = SQLite.RunSchema() + `
-- files maps each report file to its run, with the size and modification
-- time it had when indexed, so Sync re-reads only new or changed files.
CREATE TABLE files (
	path     TEXT PRIMARY KEY,
	size     INTEGER NOT NULL,
	mtime_ns INTEGER NOT NULL,
	run_id   TEXT NOT NULL
);
`

// Index is the SQLite index of the reports under a results directory
// (<dir>/index.sqlite): one row per run, per verdict and per key
// measurement. It is a cache: the report files are the record, and the
// index is rebuilt from them when it is missing, corrupt or of another
// schema version. Several sovbench processes may use one index at once
// (WAL journal, immediate write transactions, a busy timeout).
type Index struct {
	// Limits bounds the report files Sync and Rebuild read (zero value:
	// the defaults).
	Limits limits.Limits

	db  *sql.DB
	dir string
	// recreated says why the index was (re)created on open, "" if it was not.
	recreated string
}

// OpenIndex opens the index of the reports under dir (which must exist),
// creating it when it is missing and recreating it when it is corrupt or of another schema version.
// A (re)created index is empty until Sync or Rebuild fills it from the
// report files; Recreated says whether that is needed.
func OpenIndex(ctx context.Context, dir string) (*Index, error) {
	if fi, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("opening index: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("opening index: %s is not a directory", dir)
	}
	path := filepath.Join(dir, IndexName)
	x, err := openIndex(ctx, dir, path)
	if err == nil || !isCorrupt(err) {
		return x, err
	}
	// The index is a cache: drop the damaged file and start again.
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if rerr := os.Remove(p); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			return nil, fmt.Errorf("removing corrupt index %s: %w", p, rerr)
		}
	}
	x, err2 := openIndex(ctx, dir, path)
	if err2 != nil {
		return nil, err2
	}
	x.recreated = "corrupt (" + err.Error() + ")"
	return x, nil
}

func openIndex(ctx context.Context, dir, path string) (*Index, error) {
	_, statErr := os.Stat(path)
	missing := errors.Is(statErr, os.ErrNotExist)
	if err := atomicfile.PrivateDB(path); err != nil {
		return nil, fmt.Errorf("opening index: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMs))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	// The DSN is an SQLite URI: escape the path so that "?", "#" and "%" in
	// a directory name stay part of it.
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("opening index %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	x := &Index{db: db, dir: dir}
	reason, err := x.initSchema(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("opening index %s: %w", path, err)
	}
	if missing {
		reason = "missing"
	}
	x.recreated = reason
	return x, nil
}

// initSchema checks the index and creates its tables when they are absent
// or of another version. It returns why it (re)created them.
func (x *Index) initSchema(ctx context.Context) (string, error) {
	var check string
	if err := x.db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&check); err != nil {
		return "", fmt.Errorf("checking: %w", err)
	}
	if check != "ok" {
		return "", &corruptError{check}
	}
	tx, err := x.db.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("locking: %w", err)
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return "", fmt.Errorf("reading schema version: %w", err)
	}
	if version == indexVersion {
		return "", nil
	}
	reason := "new"
	if version != 0 {
		reason = fmt.Sprintf("schema version %d, want %d", version, indexVersion)
	}
	for _, t := range []string{"verdicts", "measurements", "files", "runs"} {
		if _, err := tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+t); err != nil {
			return "", fmt.Errorf("dropping %s: %w", t, err)
		}
	}
	if _, err := tx.ExecContext(ctx, indexSchema); err != nil {
		return "", fmt.Errorf("creating tables: %w", err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", indexVersion)); err != nil {
		return "", fmt.Errorf("setting schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("committing schema: %w", err)
	}
	return reason, nil
}

// corruptError is a quick_check that did not say "ok".
type corruptError struct{ check string }

func (e *corruptError) Error() string { return "integrity check: " + e.check }

// isCorrupt says whether err means the index file is damaged or is not a
// database at all (as opposed to, say, a permission problem).
func isCorrupt(err error) bool {
	var ce *corruptError
	if errors.As(err, &ce) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return true
		}
	}
	return false
}

// IsReadOnly says whether err, from opening or writing an index, means
// the index cannot be written where it lies (permissions, a read-only file
// system, a read-only database file), as opposed to a damaged index.
func IsReadOnly(err error) bool {
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
			return true
		}
	}
	return false
}

// Recreated says why OpenIndex created the index afresh ("missing",
// "corrupt (…)", "schema version …"), or "" when it opened an existing one.
// A recreated index is empty until Sync fills it.
func (x *Index) Recreated() string { return x.recreated }

// Dir is the results directory the index covers.
func (x *Index) Dir() string { return x.dir }

// Close closes the index.
func (x *Index) Close() error { return x.db.Close() }
