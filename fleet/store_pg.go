package fleet

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/store"
)

// pgSchema are the PostgreSQL store's migrations. Its run tables are the
// ones the results directory's SQLite index has (store.Dialect.RunSchema,
// in the Postgres dialect) and hold what it holds for a run
// (store.RunRecord).
var pgSchema = schemaSteps{`
CREATE TABLE enrol_tokens (
	hash    TEXT PRIMARY KEY, -- hex SHA-256 of the token
	expires BIGINT NOT NULL,  -- unix seconds
	used_by TEXT NOT NULL DEFAULT ''
);
CREATE TABLE agents (
	id       TEXT PRIMARY KEY,
	name     TEXT NOT NULL,
	key_hash TEXT NOT NULL,   -- hex SHA-256 of the credential's secret
	enrolled BIGINT NOT NULL
);
CREATE TABLE latest (
	suite    TEXT NOT NULL,
	agent    TEXT NOT NULL,
	run_id   TEXT NOT NULL,
	ended    BIGINT NOT NULL, -- unix nanoseconds
	ok       BOOLEAN NOT NULL,
	verdicts TEXT NOT NULL,   -- JSON []results.Verdict
	PRIMARY KEY (suite, agent)
);
` + store.Postgres.RunSchema(), `
ALTER TABLE agents ADD COLUMN revoked BIGINT NOT NULL DEFAULT 0; -- unix seconds; 0: active
`, identitySchema("BIGINT", "BOOLEAN")}

// pgMigrationLock is the advisory lock key that serialises verifiers
// migrating one database at once ("sovbench" in ASCII).
const pgMigrationLock = 0x736f7662656e6368

// pgVersioning keeps the schema version in a one-row table.
var pgVersioning = versioning{
	lock: func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(pgMigrationLock)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS sovbench_schema (version INTEGER NOT NULL)`)
		return err
	},
	version: func(ctx context.Context, tx *sql.Tx) (int, error) {
		var v int
		err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM sovbench_schema`).Scan(&v)
		return v, err
	},
	set: func(ctx context.Context, tx *sql.Tx, v int) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sovbench_schema`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sovbench_schema (version) VALUES ($1)`, v)
		return err
	},
}

// pgStore keeps everything, runs included, in one PostgreSQL database.
type pgStore struct {
	*sqlStore
}

// redactURL is dsn with any password replaced, for error messages.
func redactURL(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}

func openPostgres(ctx context.Context, dsn string, timeout time.Duration) (*pgStore, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", redactURL(dsn), err)
	}
	if cfg.ConnectTimeout <= 0 || cfg.ConnectTimeout > timeout {
		cfg.ConnectTimeout = timeout
	}
	// The server ends a statement or an idle transaction left behind by a
	// verifier that stopped talking; the verifier's own deadlines end its
	// side. Commits wait for their WAL flush (an acknowledged revocation or
	// run is never lost); runs are committed in groups (committer), which
	// shares the flush. A URL that sets any of these wins.
	for k, v := range map[string]string{
		"synchronous_commit":                  "on",
		"statement_timeout":                   strconv.FormatInt(timeout.Milliseconds(), 10),
		"idle_in_transaction_session_timeout": strconv.FormatInt(timeout.Milliseconds(), 10),
		"application_name":                    "sovbench serve",
	} {
		if _, set := cfg.RuntimeParams[k]; !set {
			cfg.RuntimeParams[k] = v
		}
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(time.Hour)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening store %s: connecting: %w", redactURL(dsn), err)
	}
	if err := migrate(ctx, db, pgSchema, pgVersioning); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening store %s: %w", redactURL(dsn), err)
	}
	st := &pgStore{sqlStore: newSQLStore(db, timeout, store.Postgres)}
	if err := st.prepare(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening store %s: %w", redactURL(dsn), err)
	}
	return st, nil
}

// AddRun implements Store: the run, its verdicts and its key measurements,
// replacing what the store held for the same run, written by the same
// statements as the SQLite index (store.Dialect.RunStatements). They go to
// the server as one pipelined batch, which PostgreSQL runs as one implicit
// transaction: one round trip per run, all or nothing.
func (s *pgStore) AddRun(ctx context.Context, path string, r *results.Report) error {
	b := &pgx.Batch{}
	if err := queueRun(b, path, r); err != nil {
		return err
	}
	if err := s.send(ctx, b); err != nil {
		return fmt.Errorf("indexing run %s: %w", r.RunID, err)
	}
	return nil
}

// addRuns implements Store: every run's statements and latest row in one
// pipelined batch, one implicit transaction, one commit.
func (s *pgStore) addRuns(ctx context.Context, runs []storedRun) error {
	b := &pgx.Batch{}
	for _, r := range runs {
		if err := queueRun(b, r.path, r.rep); err != nil {
			return err
		}
		args, err := latestArgs(r.rep.Suite.Name, r.agentID, r.latest())
		if err != nil {
			return err
		}
		b.Queue(s.q.saveLatest, args...)
	}
	if err := s.send(ctx, b); err != nil {
		return fmt.Errorf("recording %d runs: %w", len(runs), err)
	}
	return nil
}

// queueRun queues the statements that index run r, stored at path.
func queueRun(b *pgx.Batch, path string, r *results.Report) error {
	rr := store.RecordOf(r, filepath.ToSlash(path))
	stmts, err := store.Postgres.RunStatements(rr)
	if err != nil {
		return fmt.Errorf("indexing run %s: %w", rr.RunID, err)
	}
	for _, st := range stmts {
		b.Queue(st.SQL, st.Args...)
	}
	return nil
}

// send runs the batch b on one connection, within the store's deadline.
func (s *pgStore) send(ctx context.Context, b *pgx.Batch) error {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		return dc.(*stdlib.Conn).Conn().SendBatch(ctx, b).Close()
	})
}
