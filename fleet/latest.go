package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sovbench/sovbench/results"
)

// saveLatest records the newest verified run of agent on suite, so /probe
// answers after a restart.
func (s *Store) saveLatest(ctx context.Context, suite, agent string, l latestRun) error {
	v, err := json.Marshal(l.verdicts)
	if err != nil {
		return fmt.Errorf("encoding verdicts: %w", err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO latest (suite, agent, run_id, ended, ok, verdicts) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (suite, agent) DO UPDATE SET run_id = excluded.run_id, ended = excluded.ended, ok = excluded.ok, verdicts = excluded.verdicts`,
		suite, agent, l.runID, l.at.UnixNano(), l.ok, string(v))
	if err != nil {
		return fmt.Errorf("saving latest run of %s on %s: %w", agent, suite, err)
	}
	return nil
}

// loadLatest reads every agent's latest run.
func (s *Store) loadLatest(ctx context.Context) (map[probeKey]latestRun, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT suite, agent, run_id, ended, ok, verdicts FROM latest`)
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
