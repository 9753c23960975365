package store

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/sovbench/sovbench/results"
)

// Runs returns every indexed run with its verdicts and measurements, oldest
// first (by start time, then run id).
func (x *Index) Runs(ctx context.Context) ([]RunRecord, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT run_id, provider, suite, suite_sha256, status,
		interruption, started, ended, harness_version, path, targets,
		n_pass, n_fail, n_inconclusive, n_error, satisfied
		FROM runs ORDER BY started, run_id`)
	if err != nil {
		return nil, fmt.Errorf("listing runs: %w", err)
	}
	defer rows.Close()
	var out []RunRecord
	byID := map[string]int{}
	for rows.Next() {
		rr, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		byID[rr.RunID] = len(out)
		out = append(out, rr)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing runs: %w", err)
	}
	if err := x.loadVerdicts(ctx, out, byID); err != nil {
		return nil, err
	}
	if err := x.loadMeasurements(ctx, out, byID); err != nil {
		return nil, err
	}
	return out, nil
}

func scanRun(rows interface{ Scan(...any) error }) (RunRecord, error) {
	var rr RunRecord
	var status, started, ended, targets string
	err := rows.Scan(&rr.RunID, &rr.Provider, &rr.Suite, &rr.SuiteSHA256, &status,
		&rr.Interruption, &started, &ended, &rr.Harness, &rr.Path, &targets,
		&rr.Pass, &rr.Fail, &rr.Inconclusive, &rr.Error, &rr.Satisfied)
	if err != nil {
		return rr, fmt.Errorf("reading run: %w", err)
	}
	rr.Status = results.RunStatus(status)
	if rr.Started, err = time.Parse(time.RFC3339Nano, started); err != nil {
		return rr, fmt.Errorf("reading run %s: started: %w", rr.RunID, err)
	}
	if rr.Ended, err = time.Parse(time.RFC3339Nano, ended); err != nil {
		return rr, fmt.Errorf("reading run %s: ended: %w", rr.RunID, err)
	}
	if err := json.Unmarshal([]byte(targets), &rr.Targets); err != nil {
		return rr, fmt.Errorf("reading run %s: targets: %w", rr.RunID, err)
	}
	rr.Verdicts = []results.Verdict{}
	return rr, nil
}

func (x *Index) loadVerdicts(ctx context.Context, runs []RunRecord, byID map[string]int) error {
	rows, err := x.db.QueryContext(ctx, `SELECT run_id, claim, params, target, status, require,
		figure, reason FROM verdicts ORDER BY run_id, seq`)
	if err != nil {
		return fmt.Errorf("listing verdicts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var v results.Verdict
		var status, require string
		if err := rows.Scan(&id, &v.Claim, &v.Params, &v.Target, &status, &require, &v.Figure, &v.Reason); err != nil {
			return fmt.Errorf("reading verdict: %w", err)
		}
		v.Status, v.Require = results.Status(status), results.Requirement(require)
		if i, ok := byID[id]; ok {
			runs[i].Verdicts = append(runs[i].Verdicts, v)
		}
	}
	return rows.Err()
}

func (x *Index) loadMeasurements(ctx context.Context, runs []RunRecord, byID map[string]int) error {
	rows, err := x.db.QueryContext(ctx, `SELECT run_id, key, target, value FROM measurements ORDER BY run_id, seq`)
	if err != nil {
		return fmt.Errorf("listing measurements: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var m Measurement
		if err := rows.Scan(&id, &m.Key, &m.Target, &m.Value); err != nil {
			return fmt.Errorf("reading measurement: %w", err)
		}
		if i, ok := byID[id]; ok {
			runs[i].Measurements = append(runs[i].Measurements, m)
		}
	}
	return rows.Err()
}

// ExportJSONL writes every indexed run as one JSON object per line (a
// RunRecord with its verdicts and measurements), oldest first. It returns
// the number of runs written.
func (x *Index) ExportJSONL(ctx context.Context, w io.Writer) (int, error) {
	runs, err := x.Runs(ctx)
	if err != nil {
		return 0, err
	}
	return len(runs), WriteJSONL(w, runs)
}

// WriteJSONL writes runs as ExportJSONL does, one JSON object per line.
func WriteJSONL(w io.Writer, runs []RunRecord) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for i := range runs {
		if err := enc.Encode(&runs[i]); err != nil {
			return fmt.Errorf("writing run %s: %w", runs[i].RunID, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing export: %w", err)
	}
	return nil
}

// ReadJSONL reads runs written by ExportJSONL. name is used in errors,
// which give the line of the record that does not decode.
func ReadJSONL(r io.Reader, name string) ([]RunRecord, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 64*1024*1024)
	var out []RunRecord
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var rr RunRecord
		if err := json.Unmarshal(sc.Bytes(), &rr); err != nil {
			return nil, fmt.Errorf("decoding %s:%d: %w", name, line, err)
		}
		if rr.RunID == "" {
			return nil, fmt.Errorf("decoding %s:%d: run_id: missing", name, line)
		}
		out = append(out, rr)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return out, nil
}
