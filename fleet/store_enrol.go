package fleet

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sovbench/sovbench/fleet/api"
)

// IssueToken implements Store. A token that binds a name another agent
// holds, or replaces an agent that does not exist or was replaced, is
// refused now rather than at enrolment.
func (s *sqlStore) IssueToken(ctx context.Context, t Token) (string, error) {
	if err := t.Check(); err != nil {
		return "", fmt.Errorf("issuing enrolment token: %w", err)
	}
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	if t.Replaces != "" {
		old, _, err := s.agent(ctx, t.Replaces)
		if errors.Is(err, ErrForbidden) {
			return "", fmt.Errorf("issuing enrolment token: replacing %s: %w", t.Replaces, ErrNoAgent)
		}
		if err != nil {
			return "", fmt.Errorf("issuing enrolment token: %w", err)
		}
		if old.ReplacedBy != "" {
			return "", fmt.Errorf("issuing enrolment token: replacing %s: %w (by %s)", t.Replaces, ErrReplaced, old.ReplacedBy)
		}
	}
	if t.Name != "" {
		holder, _, err := s.agentNamed(ctx, t.Name)
		if err == nil && holder.ID != t.Replaces {
			return "", fmt.Errorf("issuing enrolment token: %w: %s holds %s (replace it with --replace %s)", ErrNameTaken, holder.ID, t.Name, holder.ID)
		}
		if err != nil && !errors.Is(err, ErrForbidden) {
			return "", fmt.Errorf("issuing enrolment token: %w", err)
		}
	}
	tok := "sbt_" + randomHex(24)
	if _, err := s.db.ExecContext(ctx, s.q.issue, hashHex(tok), time.Now().Add(t.TTL).Unix(), t.Name, t.Target, t.Replaces); err != nil {
		return "", fmt.Errorf("storing enrolment token: %w", err)
	}
	return tok, nil
}

// Enrol implements Store: spending the token, replacing the agent it
// replaces and adding the new agent are one transaction, so a refused or
// failed enrolment leaves the token unspent and the old agent in place.
func (s *sqlStore) Enrol(ctx context.Context, token, name string) (Agent, string, error) {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Agent{}, "", fmt.Errorf("enrolling: %w", err)
	}
	defer tx.Rollback()
	a := Agent{ID: api.AgentIDPrefix + randomHex(8), Name: name}
	// The token is looked up by its hash, so a lookup's timing says
	// nothing about tokens that exist.
	var bound Token
	err = tx.QueryRowContext(ctx, s.q.spend, a.ID, hashHex(token), time.Now().Unix()).Scan(&bound.Name, &bound.Target, &bound.Replaces)
	if errors.Is(err, sql.ErrNoRows) {
		return Agent{}, "", ErrForbidden // wrong, used or expired
	}
	if err != nil {
		return Agent{}, "", fmt.Errorf("enrolling: %w", err)
	}
	if a, err = s.bind(ctx, tx, a, bound); err != nil {
		return Agent{}, "", err
	}
	if err := api.CheckName(a.Name); err != nil {
		return Agent{}, "", fmt.Errorf("enrolling: %w", err)
	}
	secret := randomHex(32)
	var added string
	err = tx.QueryRowContext(ctx, s.q.addAgent, a.ID, a.Name, api.NameKey(a.Name), a.Target, hashHex(secret), time.Now().Unix()).Scan(&added)
	if errors.Is(err, sql.ErrNoRows) {
		return Agent{}, "", fmt.Errorf("enrolling as %s: %w", a.Name, ErrNameTaken)
	}
	if err != nil {
		return Agent{}, "", fmt.Errorf("enrolling: %w", err)
	}
	err = tx.Commit()
	if bound.Replaces != "" {
		s.cache.forget(bound.Replaces) // once committed (or maybe committed)
	}
	if err != nil {
		return Agent{}, "", fmt.Errorf("enrolling: %w", err)
	}
	return a, a.ID + "." + secret, nil
}

// bind applies what the token binds to the agent enrolling: its name and
// target, and the replacement of the agent it replaces (within tx).
func (s *sqlStore) bind(ctx context.Context, tx *sql.Tx, a Agent, t Token) (Agent, error) {
	if t.Replaces != "" {
		var oldName, oldTarget string
		err := tx.QueryRowContext(ctx, s.q.replace, a.ID, time.Now().Unix(), t.Replaces).Scan(&oldName, &oldTarget)
		if errors.Is(err, sql.ErrNoRows) {
			return Agent{}, fmt.Errorf("enrolling: replacing %s: %w", t.Replaces, ErrReplaced)
		}
		if err != nil {
			return Agent{}, fmt.Errorf("enrolling: replacing %s: %w", t.Replaces, err)
		}
		a.Name, a.Target = oldName, oldTarget
	}
	if t.Name != "" {
		a.Name = t.Name
	}
	if t.Target != "" {
		a.Target = t.Target
	}
	return a, nil
}

// agentNamed reads the agent holding name (not replaced); ErrForbidden if
// none does.
func (s *sqlStore) agentNamed(ctx context.Context, name string) (AgentRecord, string, error) {
	var keyHash string
	a, err := scanAgent(s.db.QueryRowContext(ctx, s.q.agentByName, api.NameKey(name)).Scan, &keyHash)
	if errors.Is(err, sql.ErrNoRows) {
		return AgentRecord{}, "", ErrForbidden
	}
	if err != nil {
		return AgentRecord{}, "", fmt.Errorf("reading agent %s: %w", api.Quote(name), err)
	}
	return a, keyHash, nil
}
