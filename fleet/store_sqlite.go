package fleet

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/sovbench/sovbench/internal/atomicfile"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/store"
)

// sqliteSchema are the SQLite store's migrations. Step 1 is the schema of
// stores made before versioning (PRAGMA user_version 0), hence IF NOT EXISTS.
var sqliteSchema = schemaSteps{`
CREATE TABLE IF NOT EXISTS enrol_tokens (
	hash    TEXT PRIMARY KEY, -- hex SHA-256 of the token
	expires INTEGER NOT NULL, -- unix seconds
	used_by TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS latest (
	suite    TEXT NOT NULL,
	agent    TEXT NOT NULL,
	run_id   TEXT NOT NULL,
	ended    INTEGER NOT NULL, -- unix nanoseconds
	ok       INTEGER NOT NULL,
	verdicts TEXT NOT NULL,    -- JSON []results.Verdict
	PRIMARY KEY (suite, agent)
);
CREATE TABLE IF NOT EXISTS agents (
	id       TEXT PRIMARY KEY,
	name     TEXT NOT NULL,
	key_hash TEXT NOT NULL,   -- hex SHA-256 of the credential's secret
	enrolled INTEGER NOT NULL
);
`, `
ALTER TABLE agents ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0; -- unix seconds; 0: active
`, identitySchema("INTEGER", "INTEGER")}

// sqliteStore keeps tokens, agents and latest runs in one SQLite file
// (WAL, one connection, immediate write transactions) and indexes runs in
// the results directory's index.
type sqliteStore struct {
	*sqlStore
	index *store.Index
}

// sqliteVersioning keeps the schema version in PRAGMA user_version; the
// immediate transaction migrate runs in is the lock.
var sqliteVersioning = versioning{
	lock: func(context.Context, *sql.Tx) error { return nil },
	version: func(ctx context.Context, tx *sql.Tx) (int, error) {
		var v int
		err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
		return v, err
	},
	set: func(ctx context.Context, tx *sql.Tx, v int) error {
		_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v))
		return err
	},
}

func openSQLite(ctx context.Context, path string, opts StoreOptions) (*sqliteStore, error) {
	if err := atomicfile.PrivateDB(path); err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opts.Timeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	// FULL: a commit (a revocation, a batch of runs) is on disk before it
	// is acknowledged; group commit (committer) shares the fsync.
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	if err := migrate(ctx, db, sqliteSchema, sqliteVersioning); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	st := &sqliteStore{sqlStore: newSQLStore(db, opts.Timeout, store.SQLite), index: opts.Index}
	if err := st.prepare(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	return st, nil
}

// AddRun implements Store: it adds the run to the results directory's
// index, if the store was given one.
func (s *sqliteStore) AddRun(ctx context.Context, path string, r *results.Report) error {
	if s.index == nil {
		return nil
	}
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	return s.index.Add(ctx, path, r)
}

// addRuns implements Store: the runs go to the results directory's index
// in one transaction, then their latest rows to the store in another (two
// files, two transactions; the index can be rebuilt from the reports).
func (s *sqliteStore) addRuns(ctx context.Context, runs []storedRun) error {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	if s.index != nil {
		stored := make([]store.Stored, len(runs))
		for i, r := range runs {
			stored[i] = store.Stored{Path: r.path, Report: r.rep}
		}
		if err := s.index.AddAll(ctx, stored); err != nil {
			return err
		}
	}
	return s.saveLatestAll(ctx, runs)
}
