package fleet

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// ErrForbidden is returned for a wrong, used or expired enrolment token and
// for an unknown agent credential. It says nothing more, on purpose.
var ErrForbidden = errors.New("credential not accepted")

const storeSchema = `
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
`

// Store keeps enrolment tokens and enrolled agents in SQLite (WAL). Secrets
// are stored only as SHA-256 hashes.
type Store struct {
	db *sql.DB
}

// Agent is an enrolled agent.
type Agent struct {
	ID   string
	Name string
}

// OpenStore opens (creating) the store at path.
func OpenStore(ctx context.Context, path string) (*Store, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, storeSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand panics rather)
	return hex.EncodeToString(b)
}

func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// IssueToken creates a single-use enrolment token valid for ttl and returns
// it; only its hash is stored, so this is the one time it can be read.
func (s *Store) IssueToken(ctx context.Context, ttl time.Duration) (string, error) {
	tok := "sbt_" + randomHex(24)
	_, err := s.db.ExecContext(ctx, `INSERT INTO enrol_tokens (hash, expires) VALUES (?, ?)`,
		hashHex(tok), time.Now().Add(ttl).Unix())
	if err != nil {
		return "", fmt.Errorf("storing enrolment token: %w", err)
	}
	return tok, nil
}

// Enrol spends an enrolment token and registers an agent called name. It
// returns the agent and its credential ("<agent id>.<secret>"), which the
// agent presents on every later call.
func (s *Store) Enrol(ctx context.Context, token, name string) (Agent, string, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Agent{}, "", fmt.Errorf("enrolling: %w", err)
	}
	defer tx.Rollback()
	want := hashHex(token)
	var stored, usedBy string
	var expires int64
	err = tx.QueryRowContext(ctx, `SELECT hash, expires, used_by FROM enrol_tokens WHERE hash = ?`, want).Scan(&stored, &expires, &usedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return Agent{}, "", ErrForbidden
	}
	if err != nil {
		return Agent{}, "", fmt.Errorf("enrolling: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(stored), []byte(want)) != 1 || usedBy != "" || time.Now().Unix() > expires {
		return Agent{}, "", ErrForbidden
	}
	a := Agent{ID: "ag_" + randomHex(8), Name: name}
	secret := randomHex(32)
	if _, err := tx.ExecContext(ctx, `UPDATE enrol_tokens SET used_by = ? WHERE hash = ?`, a.ID, want); err != nil {
		return Agent{}, "", fmt.Errorf("enrolling: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO agents (id, name, key_hash, enrolled) VALUES (?, ?, ?, ?)`,
		a.ID, name, hashHex(secret), time.Now().Unix()); err != nil {
		return Agent{}, "", fmt.Errorf("enrolling: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Agent{}, "", fmt.Errorf("enrolling: %w", err)
	}
	return a, a.ID + "." + secret, nil
}

// Authenticate checks an agent credential.
func (s *Store) Authenticate(ctx context.Context, cred string) (Agent, error) {
	id, secret, ok := strings.Cut(cred, ".")
	if !ok || id == "" || secret == "" {
		return Agent{}, ErrForbidden
	}
	var a Agent
	var keyHash string
	err := s.db.QueryRowContext(ctx, `SELECT id, name, key_hash FROM agents WHERE id = ?`, id).Scan(&a.ID, &a.Name, &keyHash)
	if errors.Is(err, sql.ErrNoRows) {
		return Agent{}, ErrForbidden
	}
	if err != nil {
		return Agent{}, fmt.Errorf("authenticating agent: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(keyHash), []byte(hashHex(secret))) != 1 {
		return Agent{}, ErrForbidden
	}
	return a, nil
}
