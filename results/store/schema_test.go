package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/results/internal/testreport"
)

func TestRunStatements(t *testing.T) {
	rr := RecordOf(testreport.Clarence(), "Clarence/r.json")
	for _, d := range []Dialect{SQLite, Postgres} {
		t.Run("the "+d.String()+" statements replace the run, then write each row", func(t *testing.T) {
			stmts, err := d.RunStatements(rr)
			if err != nil {
				t.Fatal(err)
			}
			if want := 2 + len(rr.Verdicts) + len(rr.Measurements); len(stmts) != want {
				t.Fatalf("%d statements, want %d", len(stmts), want)
			}
			for i, prefix := range []string{"DELETE FROM runs", "INSERT INTO runs", "INSERT INTO verdicts"} {
				if !strings.HasPrefix(stmts[i].SQL, prefix) {
					t.Errorf("statement %d is %.30q…, want %s", i, stmts[i].SQL, prefix)
				}
			}
			if last := stmts[len(stmts)-1].SQL; !strings.HasPrefix(last, "INSERT INTO measurements") {
				t.Errorf("last statement is %.30q…, want the measurements", last)
			}
			for _, s := range stmts {
				n := strings.Count(s.SQL, "?")
				if d.dollar {
					n = strings.Count(s.SQL, "$")
				}
				if n != len(s.Args) {
					t.Errorf("%.30q… has %d placeholders for %d arguments", s.SQL, n, len(s.Args))
				}
			}
		})
	}
	t.Run("PostgreSQL placeholders are numbered", func(t *testing.T) {
		if got := Postgres.Rebind("a = ? AND b IN (?, ?)"); got != "a = $1 AND b IN ($2, $3)" {
			t.Errorf("Rebind = %q", got)
		}
		if got := SQLite.Rebind("a = ?"); got != "a = ?" {
			t.Errorf("SQLite Rebind = %q", got)
		}
	})
	t.Run("an error names the row and the run", func(t *testing.T) {
		stmts, _ := SQLite.RunStatements(rr)
		err := stmts[3].Wrap(rr.RunID, errors.New("boom"))
		if want := "inserting verdict 1 of run " + rr.RunID + ": boom"; err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
	})
}
