package store

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Dialect is how one SQL database spells the run tables: the few column
// types that differ, its placeholders, and how times and target lists
// travel as arguments. The run tables (runs, verdicts, measurements) are
// written once, here, for every store that holds runs: the SQLite index of
// a results directory and fleet's PostgreSQL store.
type Dialect struct {
	name string
	// Column types of the started/ended times, the target list and the
	// satisfied flag.
	timeType, listType, boolType string
	dollar                       bool // "$1, $2, …" placeholders rather than "?"
	time                         func(time.Time) any
	list                         func([]string) (any, error)
	sql                          [runKinds]string // the run statements, rebound for the dialect
}

// dialect completes d with its rebound run statements.
func dialect(d Dialect) Dialect {
	for k, q := range runSQL {
		d.sql[k] = d.Rebind(q)
	}
	return d
}

// timeLayout stores SQLite times as fixed-width UTC text, so that they
// sort as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// SQLite is the dialect of the results directory's index: times are
// fixed-width RFC 3339 UTC text (they sort as text) and the target list is
// a JSON array.
var SQLite = dialect(Dialect{
	name: "sqlite", timeType: "TEXT", listType: "TEXT", boolType: "INTEGER",
	time: func(t time.Time) any { return t.UTC().Format(timeLayout) },
	list: func(s []string) (any, error) {
		b, err := json.Marshal(s)
		return string(b), err
	},
})

// Postgres is the dialect of fleet's PostgreSQL store: TIMESTAMPTZ times,
// a TEXT[] target list, BOOLEAN flags and "$n" placeholders.
var Postgres = dialect(Dialect{
	name: "postgres", timeType: "TIMESTAMPTZ", listType: "TEXT[]", boolType: "BOOLEAN", dollar: true,
	time: func(t time.Time) any { return t },
	list: func(s []string) (any, error) { return s, nil },
})

// String names the dialect.
func (d Dialect) String() string { return d.name }

// Rebind turns the "?" placeholders of q into the dialect's own. q must
// not hold a "?" anywhere else (in a literal or a comment).
func (d Dialect) Rebind(q string) string {
	if !d.dollar {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// RunSchema is the DDL of the run tables in d: one row per run, per
// verdict and per key measurement (RunRecord). Verdicts and measurements
// go with their run (ON DELETE CASCADE).
//
// A change here is a new schema version for every store that embeds it:
// the SQLite index (indexVersion; it is rebuilt from the report files) and
// fleet's PostgreSQL store (a migration step).
func (d Dialect) RunSchema() string {
	return fmt.Sprintf(`
CREATE TABLE runs (
	run_id          TEXT PRIMARY KEY,
	provider        TEXT NOT NULL,
	suite           TEXT NOT NULL,
	suite_sha256    TEXT NOT NULL,
	status          TEXT NOT NULL,
	interruption    TEXT NOT NULL,
	started         %[1]s NOT NULL,
	ended           %[1]s NOT NULL,
	harness_version TEXT NOT NULL,
	path            TEXT NOT NULL, -- report file: relative to the results directory, or as the verifier wrote it
	targets         %[2]s NOT NULL,
	n_pass          INTEGER NOT NULL,
	n_fail          INTEGER NOT NULL,
	n_inconclusive  INTEGER NOT NULL,
	n_error         INTEGER NOT NULL,
	satisfied       %[3]s NOT NULL
);
CREATE INDEX runs_by_provider ON runs (provider, suite, started);
CREATE TABLE verdicts (
	run_id    TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
	seq       INTEGER NOT NULL,
	claim     TEXT NOT NULL,
	params    TEXT NOT NULL,
	claim_key TEXT NOT NULL,
	target    TEXT NOT NULL,
	status    TEXT NOT NULL,
	require   TEXT NOT NULL,
	figure    TEXT NOT NULL,
	reason    TEXT NOT NULL,
	PRIMARY KEY (run_id, seq)
);
CREATE INDEX verdicts_by_claim ON verdicts (claim_key, status);
CREATE TABLE measurements (
	run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
	seq    INTEGER NOT NULL,
	key    TEXT NOT NULL,
	target TEXT NOT NULL,
	value  TEXT NOT NULL,
	PRIMARY KEY (run_id, seq)
);
`, d.timeType, d.listType, d.boolType)
}

// The kinds of run statement, in the order RunStatements writes them.
const (
	replaceRun = iota
	insertRun
	insertVerdict
	insertMeasurement
	runKinds
)

// runSQL are the run statements by kind, with "?" placeholders (Rebind).
var runSQL = [runKinds]string{
	replaceRun: `DELETE FROM runs WHERE run_id = ?`,
	insertRun: `INSERT INTO runs (run_id, provider, suite, suite_sha256, status,
	interruption, started, ended, harness_version, path, targets,
	n_pass, n_fail, n_inconclusive, n_error, satisfied)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	insertVerdict: `INSERT INTO verdicts (run_id, seq, claim, params, claim_key,
	target, status, require, figure, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	insertMeasurement: `INSERT INTO measurements (run_id, seq, key, target, value) VALUES (?, ?, ?, ?, ?)`,
}

// runWhat says what each kind of run statement does, for errors.
var runWhat = [runKinds]string{"replacing run", "inserting run", "inserting verdict", "inserting measurement"}

// Statement is one SQL statement of a dialect with its arguments.
type Statement struct {
	SQL  string
	Args []any
	kind int // replaceRun, insertRun, …
	seq  int // the seq of the row it writes, or -1
}

// Wrap says in err which statement of run runID failed: "inserting
// verdict 3 of run 0193…: …".
func (s Statement) Wrap(runID string, err error) error {
	if s.seq < 0 {
		return fmt.Errorf("%s %s: %w", runWhat[s.kind], runID, err)
	}
	return fmt.Errorf("%s %d of run %s: %w", runWhat[s.kind], s.seq, runID, err)
}

// RunStatements are the statements that replace the rows of rr in d's run
// tables, in order: delete the run (its verdicts and measurements go with
// it), insert the run, each verdict, each measurement. Run them in one
// transaction. Each kind of statement has one SQL text, so a store can
// prepare it once and run it for every row.
func (d Dialect) RunStatements(rr RunRecord) ([]Statement, error) {
	targets, err := d.list(rr.Targets)
	if err != nil {
		return nil, fmt.Errorf("encoding targets of run %s: %w", rr.RunID, err)
	}
	q := d.sql
	out := make([]Statement, 0, 2+len(rr.Verdicts)+len(rr.Measurements))
	out = append(out,
		Statement{SQL: q[replaceRun], kind: replaceRun, seq: -1, Args: []any{rr.RunID}},
		Statement{SQL: q[insertRun], kind: insertRun, seq: -1, Args: []any{rr.RunID, rr.Provider, rr.Suite, rr.SuiteSHA256,
			string(rr.Status), rr.Interruption, d.time(rr.Started), d.time(rr.Ended), rr.Harness, rr.Path,
			targets, rr.Pass, rr.Fail, rr.Inconclusive, rr.Error, rr.Satisfied}})
	for i, v := range rr.Verdicts {
		out = append(out, Statement{SQL: q[insertVerdict], kind: insertVerdict, seq: i, Args: []any{rr.RunID, i, v.Claim, v.Params,
			v.Key(), v.Target, string(v.Status), string(v.Require), v.Figure, v.Reason}})
	}
	for i, m := range rr.Measurements {
		out = append(out, Statement{SQL: q[insertMeasurement], kind: insertMeasurement, seq: i, Args: []any{rr.RunID, i, m.Key, m.Target, m.Value}})
	}
	return out, nil
}
