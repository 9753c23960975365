package render

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/store"
)

// CompareReports puts providers side by side; see CompareRuns.
func CompareReports(reps []*results.Report) Grid {
	runs := make([]store.RunRecord, len(reps))
	for i, r := range reps {
		runs[i] = store.RecordOf(r, "")
	}
	return CompareRuns(runs)
}

// CompareRuns puts providers side by side: one column per provider, one row
// per claim (kind "claim") and per key measurement (kind "measured"); each
// cell holds the verdict and its key figure, or the measured value.
//
// A provider's column is fed by its newest run of each suite. When several
// runs or targets feed a column its header says how many, and a cell whose
// verdicts differ shows the worst (fail > error > inconclusive > pass) and
// how many share it. Columns are in provider order and rows in the order
// claims first appear, so the same runs give the same table whatever order
// they are passed in. Notes list the runs behind every column.
func CompareRuns(runs []store.RunRecord) Grid {
	cols := compareColumns(runs)
	g := Grid{Header: []string{"kind", "claim or measurement"}}
	var claims, measures []string
	for _, c := range cols {
		g.Header = append(g.Header, c.label())
		for _, r := range c.runs {
			for _, v := range r.Verdicts {
				if !slices.Contains(claims, v.Key()) {
					claims = append(claims, v.Key())
				}
			}
			for _, m := range r.Measurements {
				if !slices.Contains(measures, m.Key) {
					measures = append(measures, m.Key)
				}
			}
		}
		g.Notes = append(g.Notes, c.notes()...)
	}
	for _, k := range claims {
		row := []string{"claim", k}
		for _, c := range cols {
			row = append(row, claimCell(c.verdicts(k)))
		}
		g.Rows = append(g.Rows, row)
	}
	for _, k := range measures {
		row := []string{"measured", k}
		for _, c := range cols {
			row = append(row, measureCell(c.measurements(k)))
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// column is one provider's runs in a comparison.
type column struct {
	provider string
	runs     []store.RunRecord // newest of each suite, in suite order
}

// compareColumns picks, per provider, the newest run of each suite.
func compareColumns(runs []store.RunRecord) []column {
	sorted := slices.Clone(runs)
	slices.SortStableFunc(sorted, func(a, b store.RunRecord) int {
		if c := strings.Compare(a.Provider, b.Provider); c != 0 {
			return c
		}
		if c := strings.Compare(a.Suite, b.Suite); c != 0 {
			return c
		}
		if c := a.Started.Compare(b.Started); c != 0 {
			return c
		}
		return strings.Compare(a.RunID, b.RunID)
	})
	var cols []column
	for i, r := range sorted {
		if i+1 < len(sorted) && sorted[i+1].Provider == r.Provider && sorted[i+1].Suite == r.Suite {
			continue // a newer run of this suite follows
		}
		if len(cols) == 0 || cols[len(cols)-1].provider != r.Provider {
			cols = append(cols, column{provider: r.Provider})
		}
		cols[len(cols)-1].runs = append(cols[len(cols)-1].runs, r)
	}
	return cols
}

func (c column) targets() []string {
	var names []string
	for _, r := range c.runs {
		for _, t := range r.Targets {
			if !slices.Contains(names, t) {
				names = append(names, t)
			}
		}
	}
	return names
}

// label is the column header: the provider, and what feeds the column when
// that is more than one run on one target.
func (c column) label() string {
	var parts []string
	if n := len(c.runs); n > 1 {
		parts = append(parts, fmt.Sprintf("%d runs", n))
	}
	if n := len(c.targets()); n > 1 {
		parts = append(parts, fmt.Sprintf("%d targets", n))
	}
	for _, r := range c.runs {
		if r.Status != results.RunComplete {
			parts = append(parts, string(results.RunIncomplete))
			break
		}
	}
	name := c.provider
	if name == "" {
		name = "(unnamed)"
	}
	if len(parts) == 0 {
		return name
	}
	return name + " (" + strings.Join(parts, ", ") + ")"
}

func (c column) notes() []string {
	out := make([]string, len(c.runs))
	for i, r := range c.runs {
		out[i] = fmt.Sprintf("%s: suite %s, run %s, started %s, %s, targets %s",
			c.provider, r.Suite, r.RunID, r.Started.UTC().Format(time.RFC3339), r.Status, strings.Join(r.Targets, ", "))
	}
	return out
}

func (c column) verdicts(key string) []results.Verdict {
	var out []results.Verdict
	for _, r := range c.runs {
		for _, v := range r.Verdicts {
			if v.Key() == key {
				out = append(out, v)
			}
		}
	}
	return out
}

func (c column) measurements(key string) []store.Measurement {
	var out []store.Measurement
	for _, r := range c.runs {
		for _, m := range r.Measurements {
			if m.Key == key {
				out = append(out, m)
			}
		}
	}
	return out
}

// statusRank orders verdicts from best to worst for compare cells.
var statusRank = map[results.Status]int{results.StatusPass: 0, results.StatusInconclusive: 1, results.StatusError: 2, results.StatusFail: 3}

// claimCell is the worst of a claim's verdicts with its figure, and how many
// of the verdicts share that status when they differ: "fail (812 km) [1 of 2 fail]".
func claimCell(vs []results.Verdict) string {
	if len(vs) == 0 {
		return "—"
	}
	worst := vs[0]
	same := true
	for _, v := range vs[1:] {
		if v.Status != vs[0].Status {
			same = false
		}
		if statusRank[v.Status] > statusRank[worst.Status] {
			worst = v
		}
	}
	s := string(worst.Status)
	if worst.Figure != "" {
		s += " (" + worst.Figure + ")"
	}
	if !same {
		n := 0
		for _, v := range vs {
			if v.Status == worst.Status {
				n++
			}
		}
		s += fmt.Sprintf(" [%d of %d %s]", n, len(vs), worst.Status)
	}
	return s
}

// measureCell is the measured value, or each target's value when they differ.
func measureCell(ms []store.Measurement) string {
	if len(ms) == 0 {
		return "—"
	}
	differ := false
	for _, m := range ms[1:] {
		if m.Value != ms[0].Value {
			differ = true
		}
	}
	if !differ {
		return ms[0].Value
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.Target + ": " + m.Value
	}
	return strings.Join(parts, "; ")
}
