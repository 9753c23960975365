package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sovbench/sovbench/results"
)

// Add indexes the report r stored at path, replacing whatever the index held
// for the same run or file. path must exist (its size and modification time
// are recorded, so Sync will not read it again).
func (x *Index) Add(ctx context.Context, path string, r *results.Report) error {
	return x.AddAll(ctx, []Stored{{Path: path, Report: r}})
}

// Stored is a report and the path it is stored at.
type Stored struct {
	Path   string
	Report *results.Report
}

// AddAll indexes several stored reports as Add does, in one transaction:
// all or none.
func (x *Index) AddAll(ctx context.Context, runs []Stored) error {
	if len(runs) == 0 {
		return nil
	}
	tx, err := x.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("indexing %s: %w", runs[0].Path, err)
	}
	defer tx.Rollback()
	w := newRunWriter(tx)
	for _, run := range runs {
		fi, err := os.Stat(run.Path)
		if err != nil {
			return fmt.Errorf("indexing %s: %w", run.Path, err)
		}
		if err := w.put(ctx, RecordOf(run.Report, x.rel(run.Path)), fi); err != nil {
			return fmt.Errorf("indexing %s: %w", run.Path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("indexing %s: %w", runs[0].Path, err)
	}
	return nil
}

// rel is path relative to the results directory, slash-separated; a path
// outside it stays absolute.
func (x *Index) rel(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	root, err := filepath.Abs(x.dir)
	if err != nil {
		return filepath.ToSlash(abs)
	}
	if rel, err := filepath.Rel(root, abs); err == nil && filepath.IsLocal(rel) {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(abs)
}

// runWriter writes runs inside one transaction through statements prepared
// once, so that a rebuild of many runs does not recompile its SQL per row.
type runWriter struct {
	tx    *sql.Tx
	stmts [runKinds + 1]*sql.Stmt // by kind, then the files row; closed with the transaction
}

const fileKind = runKinds // the runWriter's statement of the files row

func newRunWriter(tx *sql.Tx) *runWriter { return &runWriter{tx: tx} }

func (w *runWriter) exec(ctx context.Context, kind int, query string, args ...any) error {
	if w.stmts[kind] == nil {
		st, err := w.tx.PrepareContext(ctx, query)
		if err != nil {
			return fmt.Errorf("preparing index statement: %w", err)
		}
		w.stmts[kind] = st
	}
	_, err := w.stmts[kind].ExecContext(ctx, args...)
	return err
}

// put replaces the run rr and its file row.
func (w *runWriter) put(ctx context.Context, rr RunRecord, fi os.FileInfo) error {
	stmts, err := SQLite.RunStatements(rr)
	if err != nil {
		return err
	}
	for _, s := range stmts {
		if err := w.exec(ctx, s.kind, s.SQL, s.Args...); err != nil {
			return s.Wrap(rr.RunID, err)
		}
	}
	if err := w.exec(ctx, fileKind, putFileSQL, rr.Path, fi.Size(), fi.ModTime().UnixNano(), rr.RunID); err != nil {
		return fmt.Errorf("recording file %s: %w", rr.Path, err)
	}
	return nil
}

const putFileSQL = "INSERT OR REPLACE INTO files (path, size, mtime_ns, run_id) VALUES (?, ?, ?, ?)"

// SyncStats says what Sync or Rebuild did.
type SyncStats struct {
	Files   int // report files under the directory
	Added   int // files read and indexed (new or changed)
	Removed int // indexed files that no longer exist or are no longer valid
	// Skipped are the files that are not valid reports (unreadable, too
	// large, not JSON, not a report), with the reason. They are not in the
	// index: a file that turned bad no longer shows its old content.
	Skipped []SkippedFile
	// Leftovers are the temporary files of interrupted writes that
	// Rebuild removed.
	Leftovers []string
}

// Sync brings the index up to date with the report files under its
// directory: it reads new and changed files (by size and modification time),
// drops runs whose files are gone or no longer valid, and leaves the rest
// alone. Files that are not valid reports are skipped (SyncStats.Skipped)
// and everything else is still indexed; the error is for what stops the
// sync as a whole (the index itself, a cancelled context).
func (x *Index) Sync(ctx context.Context) (SyncStats, error) { return x.sync(ctx, false) }

// Rebuild removes the temporary files interrupted writes left under the
// index's directory, then reads every report file again and replaces the
// index's whole content with them, in one transaction (other processes
// never see it half-built). Bad files are skipped as by Sync.
func (x *Index) Rebuild(ctx context.Context) (SyncStats, error) {
	left, err := RemoveLeftovers(x.dir)
	if err != nil {
		return SyncStats{Leftovers: left}, err
	}
	st, err := x.sync(ctx, true)
	st.Leftovers = left
	return st, err
}

type pendingRun struct {
	rr RunRecord
	fi os.FileInfo
}

func (x *Index) sync(ctx context.Context, full bool) (SyncStats, error) {
	var st SyncStats
	files, skipped, err := reportFiles(x.dir)
	if err != nil {
		return st, err
	}
	st.Files, st.Skipped = len(files), skipped
	known := map[string]fileStamp{}
	if !full {
		if known, err = x.knownFiles(ctx); err != nil {
			return st, err
		}
	}
	adds, present, bad, err := x.readChanged(ctx, files, known)
	if err != nil {
		return st, err
	}
	st.Skipped = append(st.Skipped, bad...)
	var gone []string
	for rel := range known {
		if !present[rel] {
			gone = append(gone, rel)
		}
	}
	st.Added, st.Removed = len(adds), len(gone)
	if !full && len(adds) == 0 && len(gone) == 0 {
		return st, nil
	}
	// Files were read above, outside the write lock; only the writes hold it.
	return st, x.apply(ctx, full, gone, adds)
}

// readChanged reads the files that are new or changed since the index saw
// them (all of them when known is empty). present holds the files that
// are valid reports, read now or unchanged; bad the others.
func (x *Index) readChanged(ctx context.Context, files []string, known map[string]fileStamp) (adds []pendingRun, present map[string]bool, bad []SkippedFile, err error) {
	present = map[string]bool{}
	for _, f := range files {
		rel := x.rel(f)
		fi, err := os.Stat(f)
		if err != nil {
			bad = append(bad, SkippedFile{f, err})
			continue
		}
		if k, ok := known[rel]; ok && k.size == fi.Size() && k.mtime == fi.ModTime().UnixNano() {
			present[rel] = true
			continue
		}
		r, err := ReadReport(ctx, f, x.Limits)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, nil, err
			}
			bad = append(bad, SkippedFile{f, err})
			continue
		}
		present[rel] = true
		adds = append(adds, pendingRun{RecordOf(r, rel), fi})
	}
	return adds, present, bad, nil
}

// apply writes one sync's changes in one transaction.
func (x *Index) apply(ctx context.Context, full bool, gone []string, adds []pendingRun) error {
	tx, err := x.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("syncing index: %w", err)
	}
	defer tx.Rollback()
	if full {
		for _, t := range []string{"files", "runs"} { // verdicts and measurements cascade
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+t); err != nil {
				return fmt.Errorf("emptying index table %s: %w", t, err)
			}
		}
	}
	for _, rel := range gone {
		if _, err := tx.ExecContext(ctx, "DELETE FROM files WHERE path = ?", rel); err != nil {
			return fmt.Errorf("dropping %s from index: %w", rel, err)
		}
	}
	w := newRunWriter(tx)
	for _, p := range adds {
		if err := w.put(ctx, p.rr, p.fi); err != nil {
			return fmt.Errorf("indexing %s: %w", p.rr.Path, err)
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM runs WHERE run_id NOT IN (SELECT run_id FROM files)"); err != nil {
		return fmt.Errorf("dropping runs without files: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("syncing index: %w", err)
	}
	return nil
}

type fileStamp struct {
	size, mtime int64
}

func (x *Index) knownFiles(ctx context.Context) (map[string]fileStamp, error) {
	rows, err := x.db.QueryContext(ctx, "SELECT path, size, mtime_ns FROM files")
	if err != nil {
		return nil, fmt.Errorf("listing indexed files: %w", err)
	}
	defer rows.Close()
	out := map[string]fileStamp{}
	for rows.Next() {
		var p string
		var s fileStamp
		if err := rows.Scan(&p, &s.size, &s.mtime); err != nil {
			return nil, fmt.Errorf("listing indexed files: %w", err)
		}
		out[p] = s
	}
	return out, rows.Err()
}
