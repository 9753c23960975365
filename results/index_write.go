package results

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// timeLayout stores times as fixed-width UTC text, so that they sort as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// Add indexes the report r stored at path, replacing whatever the index held
// for the same run or file. path must exist (its size and modification time
// are recorded, so Sync will not read it again).
func (x *Index) Add(ctx context.Context, path string, r *Report) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("indexing %s: %w", path, err)
	}
	rel := x.rel(path)
	tx, err := x.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("indexing %s: %w", path, err)
	}
	defer tx.Rollback()
	w, err := newRunWriter(ctx, tx)
	if err != nil {
		return fmt.Errorf("indexing %s: %w", path, err)
	}
	if err := w.put(ctx, RecordOf(r, rel), fi); err != nil {
		return fmt.Errorf("indexing %s: %w", path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("indexing %s: %w", path, err)
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
	del, run, verdict, measure, file *sql.Stmt
}

func newRunWriter(ctx context.Context, tx *sql.Tx) (*runWriter, error) {
	w := &runWriter{}
	for _, s := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&w.del, "DELETE FROM runs WHERE run_id = ?"},
		{&w.run, `INSERT INTO runs (run_id, provider, suite, suite_sha256, status,
			interruption, started, ended, harness_version, path, targets,
			n_pass, n_fail, n_inconclusive, n_error, satisfied)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.verdict, `INSERT INTO verdicts (run_id, seq, claim, params, claim_key,
			target, status, require, figure, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.measure, "INSERT INTO measurements (run_id, seq, key, target, value) VALUES (?, ?, ?, ?, ?)"},
		{&w.file, "INSERT OR REPLACE INTO files (path, size, mtime_ns, run_id) VALUES (?, ?, ?, ?)"},
	} {
		st, err := tx.PrepareContext(ctx, s.sql)
		if err != nil {
			return nil, fmt.Errorf("preparing index statements: %w", err)
		}
		*s.dst = st // closed with the transaction
	}
	return w, nil
}

// put replaces the run rr and its file row.
func (w *runWriter) put(ctx context.Context, rr RunRecord, fi os.FileInfo) error {
	targets, err := json.Marshal(rr.Targets)
	if err != nil {
		return fmt.Errorf("encoding targets: %w", err)
	}
	if _, err := w.del.ExecContext(ctx, rr.RunID); err != nil {
		return fmt.Errorf("replacing run %s: %w", rr.RunID, err)
	}
	_, err = w.run.ExecContext(ctx, rr.RunID, rr.Provider, rr.Suite, rr.SuiteSHA256, string(rr.Status), rr.Interruption,
		rr.Started.UTC().Format(timeLayout), rr.Ended.UTC().Format(timeLayout), rr.Harness, rr.Path,
		string(targets), rr.Pass, rr.Fail, rr.Inconclusive, rr.Error, rr.Satisfied)
	if err != nil {
		return fmt.Errorf("inserting run %s: %w", rr.RunID, err)
	}
	for i, v := range rr.Verdicts {
		_, err := w.verdict.ExecContext(ctx, rr.RunID, i, v.Claim, v.Params, v.Key(), v.Target,
			string(v.Status), string(v.Require), v.Figure, v.Reason)
		if err != nil {
			return fmt.Errorf("inserting verdict %d of run %s: %w", i, rr.RunID, err)
		}
	}
	for i, m := range rr.Measurements {
		if _, err := w.measure.ExecContext(ctx, rr.RunID, i, m.Key, m.Target, m.Value); err != nil {
			return fmt.Errorf("inserting measurement %d of run %s: %w", i, rr.RunID, err)
		}
	}
	if _, err := w.file.ExecContext(ctx, rr.Path, fi.Size(), fi.ModTime().UnixNano(), rr.RunID); err != nil {
		return fmt.Errorf("recording file %s: %w", rr.Path, err)
	}
	return nil
}

// SyncStats says what Sync or Rebuild did.
type SyncStats struct {
	Files   int // report files under the directory
	Added   int // files read and indexed (new or changed)
	Removed int // indexed files that no longer exist
	Bad     int // files that are not valid reports (named in the error)
}

// Sync brings the index up to date with the report files under its
// directory: it reads new and changed files (by size and modification time),
// drops runs whose files are gone, and leaves the rest alone. Files that are
// not valid reports are skipped and named in the returned error (one per
// file, joined); everything else is still indexed.
func (x *Index) Sync(ctx context.Context) (SyncStats, error) { return x.sync(ctx, false) }

// Rebuild reads every report file under the index's directory again and
// replaces the index's whole content with them, in one transaction (other
// processes never see it half-built). Bad files are reported as by Sync.
func (x *Index) Rebuild(ctx context.Context) (SyncStats, error) { return x.sync(ctx, true) }

type pendingRun struct {
	rr RunRecord
	fi os.FileInfo
}

func (x *Index) sync(ctx context.Context, full bool) (SyncStats, error) {
	var st SyncStats
	files, err := reportFiles(x.dir)
	if err != nil {
		return st, err
	}
	st.Files = len(files)
	known := map[string]fileStamp{}
	if !full {
		if known, err = x.knownFiles(ctx); err != nil {
			return st, err
		}
	}
	var adds []pendingRun
	var bad []error
	present := map[string]bool{}
	for _, f := range files {
		rel := x.rel(f)
		present[rel] = true
		fi, err := os.Stat(f)
		if err != nil {
			bad = append(bad, fmt.Errorf("indexing %s: %w", f, err))
			continue
		}
		if k, ok := known[rel]; ok && k.size == fi.Size() && k.mtime == fi.ModTime().UnixNano() {
			continue
		}
		r, err := ReadReport(f)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		adds = append(adds, pendingRun{RecordOf(r, rel), fi})
	}
	var gone []string
	for rel := range known {
		if !present[rel] {
			gone = append(gone, rel)
		}
	}
	st.Added, st.Removed, st.Bad = len(adds), len(gone), len(bad)
	if !full && len(adds) == 0 && len(gone) == 0 {
		return st, errors.Join(bad...)
	}
	// Files were read above, outside the write lock; only the writes hold it.
	if err := x.apply(ctx, full, gone, adds); err != nil {
		return st, err
	}
	return st, errors.Join(bad...)
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
	w, err := newRunWriter(ctx, tx)
	if err != nil {
		return err
	}
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
