package fleet

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/results/store"
)

// sqlStore is what the SQLite and PostgreSQL stores share: tokens, agents
// and latest runs, with SQL both dialects accept. Statements are written
// with "?" placeholders and rebound once, when the store opens, to the
// dialect's own (store.Dialect.Rebind: "$1, $2, …" for PostgreSQL); none of
// them has a "?" in a literal, which rebinding would break.
type sqlStore struct {
	db      *sql.DB
	timeout time.Duration
	q       storeQueries
	// agentStmt is q.agent prepared: every authenticated call runs it
	// that the cache does not answer.
	agentStmt *sql.Stmt
	cache     agentCache
	rebind    func(string) string
}

// storeQueries are the shared statements, rebound for one dialect.
type storeQueries struct {
	issue, spend, addAgent, agent, agentByName, revoke, replace, agents string
	saveLatest, probeByID, probeByName, latestRuns                      string
}

func newSQLStore(db *sql.DB, timeout time.Duration, d store.Dialect) *sqlStore {
	rebind := d.Rebind
	return &sqlStore{db: db, timeout: timeout, rebind: rebind, q: storeQueries{
		issue: rebind(`INSERT INTO enrol_tokens (hash, expires, name, target, replaces) VALUES (?, ?, ?, ?, ?)`),
		// One atomic statement spends the token: of enrolments racing for
		// it, the first takes the row lock and the others then see used_by
		// set, so exactly one gets a row back.
		spend: rebind(`UPDATE enrol_tokens SET used_by = ?
			WHERE hash = ? AND used_by = '' AND expires >= ? RETURNING name, target, replaces`),
		// A name held by an agent not replaced makes the insert do nothing
		// (the partial unique index on name_key), on either database and
		// however many enrolments race for the name.
		addAgent: rebind(`INSERT INTO agents (id, name, name_key, target, key_hash, enrolled) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING RETURNING id`),
		agent:       rebind(`SELECT ` + agentColumns + `, key_hash FROM agents WHERE id = ?`),
		agentByName: rebind(`SELECT ` + agentColumns + `, key_hash FROM agents WHERE name_key = ? AND replaced_by = ''`),
		// The first revocation's time stays.
		revoke: rebind(`UPDATE agents SET revoked = ? WHERE id = ? AND revoked = 0`),
		// Replacing frees the name (the unique index skips replaced agents)
		// and revokes the old agent, keeping an earlier revocation's time.
		replace: rebind(`UPDATE agents SET replaced_by = ?, revoked = CASE WHEN revoked = 0 THEN ? ELSE revoked END
			WHERE id = ? AND replaced_by = '' RETURNING name, target`),
		agents: `SELECT ` + agentColumns + ` FROM agents ORDER BY enrolled, id`,
		saveLatest: rebind(`INSERT INTO latest_runs (suite, agent_id, run_id, ended, ok, verdicts) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (suite, agent_id) DO UPDATE SET run_id = excluded.run_id, ended = excluded.ended,
			ok = excluded.ok, verdicts = excluded.verdicts`),
		probeByID:   rebind(probeQuery + ` WHERE a.id = ?`),
		probeByName: rebind(probeQuery + ` WHERE a.name_key = ? AND a.replaced_by = ''`),
		latestRuns: `SELECT l.suite, ` + prefixed("a.", agentColumns) + `, l.run_id, l.ended, l.ok, l.verdicts
			FROM latest_runs l JOIN agents a ON a.id = l.agent_id ORDER BY l.suite, a.enrolled, a.id`,
	}}
}

// probeQuery reads an agent and its latest run on one suite (the first
// parameter), if it has one.
var probeQuery = `SELECT ` + prefixed("a.", agentColumns) + `, COALESCE(l.run_id, ''), COALESCE(l.ended, 0),
	COALESCE(l.ok, FALSE), COALESCE(l.verdicts, '') FROM agents a LEFT JOIN latest_runs l ON l.agent_id = a.id AND l.suite = ?`

// prefixed qualifies every column of a comma-separated list.
func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}

// bounded gives one store operation its deadline.
func (s *sqlStore) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// prepare prepares the statements every call runs, once the schema is
// current.
func (s *sqlStore) prepare(ctx context.Context) error {
	st, err := s.db.PrepareContext(ctx, s.q.agent)
	if err != nil {
		return fmt.Errorf("preparing statements: %w", err)
	}
	s.agentStmt = st
	return nil
}

// Close closes the store's database.
func (s *sqlStore) Close() error {
	s.agentStmt.Close()
	return s.db.Close()
}

// Authenticate implements Store.
func (s *sqlStore) Authenticate(ctx context.Context, cred string) (Agent, error) {
	id, secret, ok := strings.Cut(cred, ".")
	if !ok || id == "" || secret == "" {
		return Agent{}, ErrForbidden
	}
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	a, keyHash, err := s.cachedAgent(ctx, id)
	if err != nil {
		return Agent{}, err
	}
	if subtle.ConstantTimeCompare([]byte(keyHash), []byte(hashHex(secret))) != 1 {
		return Agent{}, ErrForbidden
	}
	return a.Agent, a.revokedErr()
}

// Active implements Store.
func (s *sqlStore) Active(ctx context.Context, id string) (Agent, error) {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	a, _, err := s.cachedAgent(ctx, id)
	if err != nil {
		return Agent{}, err
	}
	return a.Agent, a.revokedErr()
}

// agentColumns are what scanAgent reads, in its order.
const agentColumns = `id, name, name_key, target, enrolled, revoked, replaced_by`

// scanAgent scans agentColumns, then into more.
func scanAgent(scan func(dest ...any) error, more ...any) (AgentRecord, error) {
	var a AgentRecord
	var key string
	var enrolled, revoked int64
	if err := scan(append([]any{&a.ID, &a.Name, &key, &a.Target, &enrolled, &revoked, &a.ReplacedBy}, more...)...); err != nil {
		return AgentRecord{}, err
	}
	a.Enrolled = time.Unix(enrolled, 0)
	if revoked != 0 {
		a.Revoked = time.Unix(revoked, 0)
	}
	a.SharedName = key != api.NameKey(a.Name)
	return a, nil
}

// agent reads agent id and its credential's hash; ErrForbidden if there is
// no such agent.
func (s *sqlStore) agent(ctx context.Context, id string) (AgentRecord, string, error) {
	var keyHash string
	a, err := scanAgent(s.agentStmt.QueryRowContext(ctx, id).Scan, &keyHash)
	if errors.Is(err, sql.ErrNoRows) {
		return AgentRecord{}, "", ErrForbidden
	}
	if err != nil {
		return AgentRecord{}, "", fmt.Errorf("reading agent %s: %w", id, err)
	}
	return a, keyHash, nil
}

func (a AgentRecord) revokedErr() error {
	switch {
	case a.ReplacedBy != "":
		return fmt.Errorf("%w: %s (%s) replaced by %s since %s", ErrRevoked, a.ID, api.Quote(a.Name), a.ReplacedBy, a.Revoked.UTC().Format(time.RFC3339))
	case !a.Revoked.IsZero():
		return fmt.Errorf("%w: %s (%s) since %s", ErrRevoked, a.ID, api.Quote(a.Name), a.Revoked.UTC().Format(time.RFC3339))
	}
	return nil
}

// Revoke implements Store.
func (s *sqlStore) Revoke(ctx context.Context, id string) (AgentRecord, error) {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	defer s.cache.forget(id) // also after a failure: it may have committed
	if _, err := s.db.ExecContext(ctx, s.q.revoke, time.Now().Unix(), id); err != nil {
		return AgentRecord{}, fmt.Errorf("revoking agent %s: %w", id, err)
	}
	a, _, err := s.agent(ctx, id)
	if errors.Is(err, ErrForbidden) {
		return AgentRecord{}, fmt.Errorf("revoking agent %s: %w", id, ErrNoAgent)
	}
	return a, err
}

// Agents implements Store.
func (s *sqlStore) Agents(ctx context.Context) ([]AgentRecord, error) {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, s.q.agents)
	if err != nil {
		return nil, fmt.Errorf("listing agents: %w", err)
	}
	defer rows.Close()
	var out []AgentRecord
	for rows.Next() {
		a, err := scanAgent(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("listing agents: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing agents: %w", err)
	}
	return out, nil
}

// schemaSteps are a store's migrations, in order: step i takes the schema
// from version i to i+1. A store records the version it is at and, when it
// opens, applies the steps it lacks in one transaction.
type schemaSteps []string

// versioning reads and writes a dialect's schema version inside tx, and
// locks out other processes migrating the same database meanwhile.
type versioning struct {
	lock    func(ctx context.Context, tx *sql.Tx) error
	version func(ctx context.Context, tx *sql.Tx) (int, error)
	set     func(ctx context.Context, tx *sql.Tx, v int) error
}

// migrate brings db to the newest schema of steps.
func migrate(ctx context.Context, db *sql.DB, steps schemaSteps, v versioning) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrating schema: %w", err)
	}
	defer tx.Rollback()
	if err := v.lock(ctx, tx); err != nil {
		return fmt.Errorf("migrating schema: locking: %w", err)
	}
	have, err := v.version(ctx, tx)
	if err != nil {
		return fmt.Errorf("migrating schema: reading version: %w", err)
	}
	if have > len(steps) {
		return fmt.Errorf("migrating schema: the store is at version %d, newer than this sovbench knows (%d)", have, len(steps))
	}
	if have == len(steps) {
		return nil
	}
	for i := have; i < len(steps); i++ {
		if _, err := tx.ExecContext(ctx, steps[i]); err != nil {
			return fmt.Errorf("migrating schema to version %d: %w", i+1, err)
		}
	}
	if err := v.set(ctx, tx, len(steps)); err != nil {
		return fmt.Errorf("migrating schema: recording version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrating schema: %w", err)
	}
	return nil
}
