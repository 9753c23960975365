package fleet

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/results"
)

// latestRun is the newest verified run of one agent on one suite; at is
// when the verifier signed it, on the verifier's clock.
type latestRun struct {
	runID    string
	at       time.Time
	verdicts []results.Verdict
	ok       bool
	raw      *scanned // set between runColumns and decode
}

// probeRecord is an agent a /probe target names and its latest run on the
// suite probed; run.runID is empty when it has none.
type probeRecord struct {
	agent AgentRecord
	run   latestRun
}

// agentRun is one agent's latest run on one suite.
type agentRun struct {
	suite string
	agent AgentRecord
	run   latestRun
}

// saveLatest implements Store: the newest verified run of agent agentID
// on suite, which every verifier sharing the store then serves on /probe.
func (s *sqlStore) saveLatest(ctx context.Context, suite, agentID string, l latestRun) error {
	args, err := latestArgs(suite, agentID, l)
	if err != nil {
		return err
	}
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	if _, err := s.db.ExecContext(ctx, s.q.saveLatest, args...); err != nil {
		return fmt.Errorf("saving latest run of %s on %s: %w", agentID, suite, err)
	}
	return nil
}

// latestArgs are saveLatest's statement arguments.
func latestArgs(suite, agentID string, l latestRun) ([]any, error) {
	v, err := json.Marshal(l.verdicts)
	if err != nil {
		return nil, fmt.Errorf("encoding verdicts: %w", err)
	}
	return []any{suite, agentID, l.runID, l.at.UnixNano(), l.ok, string(v)}, nil
}

// saveLatestAll records every run as its agent's latest, in one
// transaction through one prepared statement.
func (s *sqlStore) saveLatestAll(ctx context.Context, runs []storedRun) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("saving latest runs: %w", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, s.q.saveLatest)
	if err != nil {
		return fmt.Errorf("saving latest runs: %w", err)
	}
	defer st.Close()
	for _, r := range runs {
		args, err := latestArgs(r.rep.Suite.Name, r.agentID, r.latest())
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("saving latest run of %s on %s: %w", r.agentID, r.rep.Suite.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("saving latest runs: %w", err)
	}
	return nil
}

// probeTarget implements Store: target is an agent ID (api.AgentIDPrefix;
// replaced agents included) or a name, which only an agent not replaced
// holds. ErrNoAgent if no agent answers to it.
func (s *sqlStore) probeTarget(ctx context.Context, suite, target string) (probeRecord, error) {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	q, key := s.q.probeByName, api.NameKey(target)
	if strings.HasPrefix(target, api.AgentIDPrefix) {
		q, key = s.q.probeByID, target
	}
	var p probeRecord
	var err error
	p.agent, err = scanAgent(s.db.QueryRowContext(ctx, q, suite, key).Scan, runColumns(&p.run)...)
	if errors.Is(err, sql.ErrNoRows) {
		return probeRecord{}, ErrNoAgent
	}
	if err != nil {
		return probeRecord{}, fmt.Errorf("reading agent %s: %w", api.Quote(target), err)
	}
	return p, p.run.decode()
}

// latestRuns implements Store.
func (s *sqlStore) latestRuns(ctx context.Context) ([]agentRun, error) {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, s.q.latestRuns)
	if err != nil {
		return nil, fmt.Errorf("reading latest runs: %w", err)
	}
	defer rows.Close()
	var out []agentRun
	for rows.Next() {
		var r agentRun
		r.agent, err = scanAgent(func(dest ...any) error { return rows.Scan(append([]any{&r.suite}, dest...)...) }, runColumns(&r.run)...)
		if err == nil {
			err = r.run.decode()
		}
		if err != nil {
			return nil, fmt.Errorf("reading latest runs: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// scanned holds a latest run's columns until decode.
type scanned struct {
	ended    int64
	verdicts string
}

// runColumns are the scan destinations of a latest run's run_id, ended,
// ok and verdicts columns; decode completes l from them.
func runColumns(l *latestRun) []any {
	l.raw = &scanned{}
	return []any{&l.runID, &l.raw.ended, &l.ok, &l.raw.verdicts}
}

// decode completes a run scanned by runColumns.
func (l *latestRun) decode() error {
	raw := l.raw
	l.raw = nil
	if raw == nil || l.runID == "" {
		return nil
	}
	l.at = time.Unix(0, raw.ended)
	if err := json.Unmarshal([]byte(raw.verdicts), &l.verdicts); err != nil {
		return fmt.Errorf("decoding the verdicts of run %s: %w", l.runID, err)
	}
	return nil
}
