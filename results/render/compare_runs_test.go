package render

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/internal/testreport"
	"github.com/sovbench/sovbench/results/store"
)

func run(provider, suite, id string, hour int, status results.RunStatus, targets []string, vs ...results.Verdict) store.RunRecord {
	return store.RunRecord{RunID: id, Provider: provider, Suite: suite, Status: status, Targets: targets,
		Started: testreport.T0.Add(time.Duration(hour) * time.Hour), Verdicts: vs}
}

func v(claim, target string, s results.Status, figure string) results.Verdict {
	return results.Verdict{Claim: claim, Target: target, Status: s, Figure: figure}
}

func TestCompareRuns(t *testing.T) {
	one := []string{"h1"}
	tests := []struct {
		name   string
		runs   []store.RunRecord
		header []string
		rows   [][]string
	}{
		{
			name: "the newest run of a suite replaces older ones",
			runs: []store.RunRecord{
				run("A", "s", "old", 0, results.RunComplete, one, v("c", "h1", results.StatusFail, "9")),
				run("A", "s", "new", 5, results.RunComplete, one, v("c", "h1", results.StatusPass, "0")),
			},
			header: []string{"kind", "claim or measurement", "A"},
			rows:   [][]string{{"claim", "c", "pass (0)"}},
		},
		{
			name: "runs of several suites feed one column and the header says so",
			runs: []store.RunRecord{
				run("A", "s1", "r1", 0, results.RunComplete, one, v("c1", "h1", results.StatusPass, "")),
				run("A", "s2", "r2", 1, results.RunIncomplete, []string{"h2"}, v("c2", "h2", results.StatusInconclusive, "")),
				run("B", "s1", "r3", 0, results.RunComplete, one, v("c1", "h1", results.StatusFail, "x")),
			},
			header: []string{"kind", "claim or measurement", "A (2 runs, 2 targets, incomplete)", "B"},
			rows:   [][]string{{"claim", "c1", "pass", "fail (x)"}, {"claim", "c2", "inconclusive", "—"}},
		},
		{
			name: "a cell shows the worst verdict and how many share it",
			runs: []store.RunRecord{
				run("A", "s", "r", 0, results.RunComplete, []string{"h1", "h2", "h3"},
					v("c", "h1", results.StatusPass, "1"), v("c", "h2", results.StatusError, "e"), v("c", "h3", results.StatusInconclusive, "i")),
			},
			header: []string{"kind", "claim or measurement", "A (3 targets)"},
			rows:   [][]string{{"claim", "c", "error (e) [1 of 3 error]"}},
		},
		{
			name: "measurements that differ by target are shown per target",
			runs: []store.RunRecord{{RunID: "r", Provider: "A", Suite: "s", Status: results.RunComplete, Started: testreport.T0, Targets: []string{"h1", "h2"},
				Measurements: []store.Measurement{{Key: "m", Target: "h1", Value: "1"}, {Key: "m", Target: "h2", Value: "2"}, {Key: "n", Target: "h1", Value: "x"}, {Key: "n", Target: "h2", Value: "x"}}}},
			header: []string{"kind", "claim or measurement", "A (2 targets)"},
			rows:   [][]string{{"measured", "m", "h1: 1; h2: 2"}, {"measured", "n", "x"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := CompareRuns(tt.runs)
			if !reflect.DeepEqual(g.Header, tt.header) {
				t.Errorf("header = %q, want %q", g.Header, tt.header)
			}
			if !reflect.DeepEqual(g.Rows, tt.rows) {
				t.Errorf("rows = %q, want %q", g.Rows, tt.rows)
			}
			// The same runs in the reverse order give the same table.
			rev := slices.Clone(tt.runs)
			slices.Reverse(rev)
			if g2 := CompareRuns(rev); !reflect.DeepEqual(g2, g) {
				t.Errorf("reversed input gives another table:\n%q\n%q", g2.Rows, g.Rows)
			}
		})
	}
}
