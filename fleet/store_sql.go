package fleet

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sovbench/sovbench/results"
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
}

// storeQueries are the shared statements, rebound for one dialect.
type storeQueries struct {
	issue, spend, addAgent, agent, revoke, agents, saveLatest, loadLatest string
}

func newSQLStore(db *sql.DB, timeout time.Duration, d store.Dialect) *sqlStore {
	rebind := d.Rebind
	return &sqlStore{db: db, timeout: timeout, q: storeQueries{
		issue: rebind(`INSERT INTO enrol_tokens (hash, expires) VALUES (?, ?)`),
		// One atomic statement spends the token: of enrolments racing for
		// it, the first takes the row lock and the others then see used_by
		// set, so exactly one gets a row back.
		spend: rebind(`UPDATE enrol_tokens SET used_by = ?
			WHERE hash = ? AND used_by = '' AND expires >= ? RETURNING hash`),
		addAgent: rebind(`INSERT INTO agents (id, name, key_hash, enrolled) VALUES (?, ?, ?, ?)`),
		agent:    rebind(`SELECT ` + agentColumns + `, key_hash FROM agents WHERE id = ?`),
		// The first revocation's time stays.
		revoke: rebind(`UPDATE agents SET revoked = ? WHERE id = ? AND revoked = 0`),
		agents: `SELECT ` + agentColumns + ` FROM agents ORDER BY enrolled, id`,
		saveLatest: rebind(`INSERT INTO latest (suite, agent, run_id, ended, ok, verdicts) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (suite, agent) DO UPDATE SET run_id = excluded.run_id, ended = excluded.ended,
			ok = excluded.ok, verdicts = excluded.verdicts`),
		loadLatest: `SELECT suite, agent, run_id, ended, ok, verdicts FROM latest`,
	}}
}

// bounded gives one store operation its deadline.
func (s *sqlStore) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// Close closes the store's database.
func (s *sqlStore) Close() error { return s.db.Close() }

// IssueToken implements Store.
func (s *sqlStore) IssueToken(ctx context.Context, ttl time.Duration) (string, error) {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	tok := "sbt_" + randomHex(24)
	if _, err := s.db.ExecContext(ctx, s.q.issue, hashHex(tok), time.Now().Add(ttl).Unix()); err != nil {
		return "", fmt.Errorf("storing enrolment token: %w", err)
	}
	return tok, nil
}

// Enrol implements Store: spending the token and adding the agent are one
// transaction, so a failed insert leaves the token unspent.
func (s *sqlStore) Enrol(ctx context.Context, token, name string) (Agent, string, error) {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Agent{}, "", fmt.Errorf("enrolling: %w", err)
	}
	defer tx.Rollback()
	a := Agent{ID: "ag_" + randomHex(8), Name: name}
	// The token is looked up by its hash, so a lookup's timing says
	// nothing about tokens that exist.
	var spent string
	err = tx.QueryRowContext(ctx, s.q.spend, a.ID, hashHex(token), time.Now().Unix()).Scan(&spent)
	if errors.Is(err, sql.ErrNoRows) {
		return Agent{}, "", ErrForbidden // wrong, used or expired
	}
	if err != nil {
		return Agent{}, "", fmt.Errorf("enrolling: %w", err)
	}
	secret := randomHex(32)
	if _, err := tx.ExecContext(ctx, s.q.addAgent, a.ID, name, hashHex(secret), time.Now().Unix()); err != nil {
		return Agent{}, "", fmt.Errorf("enrolling: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Agent{}, "", fmt.Errorf("enrolling: %w", err)
	}
	return a, a.ID + "." + secret, nil
}

// Authenticate implements Store.
func (s *sqlStore) Authenticate(ctx context.Context, cred string) (Agent, error) {
	id, secret, ok := strings.Cut(cred, ".")
	if !ok || id == "" || secret == "" {
		return Agent{}, ErrForbidden
	}
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	a, keyHash, err := s.agent(ctx, id)
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
	a, _, err := s.agent(ctx, id)
	if err != nil {
		return Agent{}, err
	}
	return a.Agent, a.revokedErr()
}

// agentColumns are what scanAgent reads, in its order.
const agentColumns = `id, name, enrolled, revoked`

// scanAgent scans agentColumns, then into more.
func scanAgent(scan func(dest ...any) error, more ...any) (AgentRecord, error) {
	var a AgentRecord
	var enrolled, revoked int64
	if err := scan(append([]any{&a.ID, &a.Name, &enrolled, &revoked}, more...)...); err != nil {
		return AgentRecord{}, err
	}
	a.Enrolled = time.Unix(enrolled, 0)
	if revoked != 0 {
		a.Revoked = time.Unix(revoked, 0)
	}
	return a, nil
}

// agent reads agent id and its credential's hash; ErrForbidden if there is
// no such agent.
func (s *sqlStore) agent(ctx context.Context, id string) (AgentRecord, string, error) {
	var keyHash string
	a, err := scanAgent(s.db.QueryRowContext(ctx, s.q.agent, id).Scan, &keyHash)
	if errors.Is(err, sql.ErrNoRows) {
		return AgentRecord{}, "", ErrForbidden
	}
	if err != nil {
		return AgentRecord{}, "", fmt.Errorf("reading agent %s: %w", id, err)
	}
	return a, keyHash, nil
}

func (a AgentRecord) revokedErr() error {
	if a.Revoked.IsZero() {
		return nil
	}
	return fmt.Errorf("%w: %s (%s) since %s", ErrRevoked, a.ID, a.Name, a.Revoked.UTC().Format(time.RFC3339))
}

// Revoke implements Store.
func (s *sqlStore) Revoke(ctx context.Context, id string) (AgentRecord, error) {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
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

// saveLatest records the newest verified run of agent on suite, so /probe
// answers after a restart.
func (s *sqlStore) saveLatest(ctx context.Context, suite, agent string, l latestRun) error {
	v, err := json.Marshal(l.verdicts)
	if err != nil {
		return fmt.Errorf("encoding verdicts: %w", err)
	}
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	if _, err := s.db.ExecContext(ctx, s.q.saveLatest, suite, agent, l.runID, l.at.UnixNano(), l.ok, string(v)); err != nil {
		return fmt.Errorf("saving latest run of %s on %s: %w", agent, suite, err)
	}
	return nil
}

// loadLatest reads every agent's latest run.
func (s *sqlStore) loadLatest(ctx context.Context) (map[probeKey]latestRun, error) {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, s.q.loadLatest)
	if err != nil {
		return nil, fmt.Errorf("loading latest runs: %w", err)
	}
	defer rows.Close()
	out := map[probeKey]latestRun{}
	for rows.Next() {
		var k probeKey
		var l latestRun
		var ended int64
		var v string
		if err := rows.Scan(&k.suite, &k.agent, &l.runID, &ended, &l.ok, &v); err != nil {
			return nil, fmt.Errorf("loading latest runs: %w", err)
		}
		var vs []results.Verdict
		if err := json.Unmarshal([]byte(v), &vs); err != nil {
			return nil, fmt.Errorf("loading latest run of %s on %s: %w", k.agent, k.suite, err)
		}
		l.at, l.verdicts = time.Unix(0, ended), vs
		out[k] = l
	}
	return out, rows.Err()
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
