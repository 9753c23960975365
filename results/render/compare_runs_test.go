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
			header: []string{"suite", "claim", "criteria", "A"},
			rows:   [][]string{{"s", "c", "", "pass (0)"}},
		},
		{
			name: "a claim is shown only against providers that ran its suite",
			runs: []store.RunRecord{
				run("A", "s1", "r1", 0, results.RunComplete, one, v("c1", "h1", results.StatusPass, "")),
				run("A", "s2", "r2", 1, results.RunIncomplete, []string{"h2"}, v("c2", "h2", results.StatusInconclusive, "")),
				run("B", "s1", "r3", 0, results.RunComplete, one, v("c1", "h1", results.StatusFail, "x")),
			},
			header: []string{"suite", "claim", "criteria", "A", "B"},
			rows:   [][]string{{"s1", "c1", "", "pass", "fail (x)"}, {"s2", "c2", "", "inconclusive", "—"}},
		},
		{
			name: "the same claim in two suites is two rows",
			runs: []store.RunRecord{
				run("A", "s1", "r1", 0, results.RunComplete, one, v("location.in", "h1", results.StatusPass, "")),
				run("A", "s2", "r2", 0, results.RunComplete, one, v("location.in", "h1", results.StatusFail, "")),
			},
			header: []string{"suite", "claim", "criteria", "A"},
			rows: [][]string{{"s1", "location.in", "SecNumCloud §19.2 · C5 PSS-12 · C3A SOV-3", "pass"},
				{"s2", "location.in", "SecNumCloud §19.2 · C5 PSS-12 · C3A SOV-3", "fail"}},
		},
		{
			name: "a cell shows the worst verdict and how many share it",
			runs: []store.RunRecord{
				run("A", "s", "r", 0, results.RunComplete, []string{"h1", "h2", "h3"},
					v("c", "h1", results.StatusPass, "1"), v("c", "h2", results.StatusError, "e"), v("c", "h3", results.StatusInconclusive, "i")),
			},
			header: []string{"suite", "claim", "criteria", "A"},
			rows:   [][]string{{"s", "c", "", "error (e) [1 of 3 error]"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := CompareRuns(tt.runs).ClaimsGrid()
			if !reflect.DeepEqual(g.Header, tt.header) {
				t.Errorf("header = %q, want %q", g.Header, tt.header)
			}
			if !reflect.DeepEqual(g.Rows, tt.rows) {
				t.Errorf("rows = %q, want %q", g.Rows, tt.rows)
			}
			// The same runs in the reverse order give the same table.
			rev := slices.Clone(tt.runs)
			slices.Reverse(rev)
			if g2 := CompareRuns(rev).ClaimsGrid(); !reflect.DeepEqual(g2, g) {
				t.Errorf("reversed input gives another table:\n%q\n%q", g2.Rows, g.Rows)
			}
		})
	}
}

func TestMeasurementsComeFromTheNewestRunThatMeasuredThem(t *testing.T) {
	m := func(key, target, value string) store.Measurement {
		return store.Measurement{Key: key, Target: target, Value: value}
	}
	old := run("A", "s1", "r1", 0, results.RunComplete, []string{"h1", "h2"})
	old.Measurements = []store.Measurement{m("rtt", "h1", "5 ms"), m("rtt", "h2", "6 ms"), m("op", "h1", "x"), m("op", "h2", "x")}
	newer := run("A", "s2", "r2", 3, results.RunComplete, []string{"h1"})
	newer.Measurements = []store.Measurement{m("rtt", "h1", "4 ms")}
	g := CompareRuns([]store.RunRecord{old, newer}).MeasurementsGrid()
	want := [][]string{{"rtt", "4 ms"}, {"op", "x"}}
	if !reflect.DeepEqual(g.Rows, want) {
		t.Fatalf("rows = %q, want %q", g.Rows, want)
	}
	g = CompareRuns([]store.RunRecord{old}).MeasurementsGrid()
	want = [][]string{{"rtt", "h1: 5 ms; h2: 6 ms"}, {"op", "x"}}
	if !reflect.DeepEqual(g.Rows, want) {
		t.Fatalf("targets that differ: rows = %q, want %q", g.Rows, want)
	}
}

func TestParseFigure(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	cases := []struct {
		figure    string
		value, of *float64
		unit      string
	}{
		{"1/7 reachable", f(1), f(7), "reachable"},
		{"0/412 reachable", f(0), f(412), "reachable"},
		{"812 km", f(812), nil, "km"},
		{"127 km² (r 7 km)", f(127), nil, "km²"},
		{"simulated", nil, nil, ""},
		{"IE+US", nil, nil, ""},
		{"", nil, nil, ""},
	}
	for _, c := range cases {
		value, of, unit := ParseFigure(c.figure)
		if !reflect.DeepEqual(value, c.value) || !reflect.DeepEqual(of, c.of) || unit != c.unit {
			t.Errorf("ParseFigure(%q) = %v, %v, %q", c.figure, value, of, unit)
		}
	}
}
