package render

import (
	"fmt"
	"strings"
	"time"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/store"
)

// Verdicts is the table of one report's verdicts.
func Verdicts(r *results.Report) Grid {
	g := Grid{
		Title:  fmt.Sprintf("%s — %s (%s, %s)", r.Suite.Name, r.Provider.Name, r.Status, r.Counts()),
		Header: []string{"target", "claim", "verdict", "figure", "reason"}, Keys: 2,
	}
	for _, v := range r.Verdicts {
		g.Rows = append(g.Rows, []string{v.Target, v.Key(), string(v.Status), v.Figure, v.Reason})
	}
	return g
}

// Summary is the header of one report as field/value rows: suite,
// provider, status, run id, times, harness, targets and counts.
func Summary(r *results.Report) Grid {
	status := string(r.Status)
	if r.Interruption != "" {
		status += " (" + r.Interruption + ")"
	}
	targets := make([]string, len(r.Targets))
	for i, t := range r.Targets {
		targets[i] = t.Name + " (" + t.Kind + ")"
	}
	harness := r.Harness.Name + " " + r.Harness.Version
	if r.Harness.Commit != "" {
		harness += " " + r.Harness.Commit
	}
	rows := [][]string{
		{"suite", r.Suite.Name},
		{"suite sha256", r.Suite.SHA256},
		{"provider", r.Provider.Name},
		{"provider claims", r.Provider.Claims},
		{"run id", r.RunID},
		{"status", status},
		{"started", r.Started.UTC().Format(time.RFC3339Nano)},
		{"ended", r.Ended.UTC().Format(time.RFC3339Nano)},
		{"duration", roundRunTime(r.Ended.Sub(r.Started)).String()},
		{"harness", harness},
		{"targets", strings.Join(targets, ", ")},
		{"verdicts", r.Counts().String()},
		{"claims satisfied", fmt.Sprint(r.Satisfied())},
	}
	g := Grid{Title: "report " + r.RunID, Header: []string{"field", "value"}}
	for _, row := range rows {
		if row[1] != "" {
			g.Rows = append(g.Rows, row)
		}
	}
	return g
}

// roundRunTime keeps three or four significant digits of a run's duration.
func roundRunTime(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// Evidence summarises one report's evidence: one row per record with
// its probe, target, duration, number of observations, the failure classes
// of the observations that failed, and the whole record's failure.
func Evidence(r *results.Report) Grid {
	g := Grid{Title: "evidence", Header: []string{"evidence", "probe", "target", "duration", "observations", "failed", "failure"}, Keys: 1}
	for _, e := range r.Evidence {
		classes := map[results.FailureClass]int{}
		for _, o := range e.Observations {
			if o.Failure != nil {
				classes[o.Failure.Class]++
			}
		}
		var failed []string
		for _, c := range results.FailureClasses {
			if n := classes[c]; n > 0 {
				failed = append(failed, fmt.Sprintf("%d %s", n, c))
			}
		}
		failure := ""
		if e.Failure != nil {
			failure = e.Failure.String()
		}
		g.Rows = append(g.Rows, []string{e.ID, e.Probe + "@" + e.ProbeVersion, e.Target,
			e.Duration.D().Round(time.Microsecond).String(), fmt.Sprint(len(e.Observations)), strings.Join(failed, ", "), failure})
	}
	return g
}

// Runs lists runs, one row each: provider, suite, run id, start time,
// status and verdict counts.
func Runs(runs []store.RunRecord) Grid {
	g := Grid{Header: []string{"provider", "suite", "run id", "started", "status", "pass", "fail", "inconclusive", "error", "report"}, Keys: 2}
	for _, r := range runs {
		g.Rows = append(g.Rows, []string{r.Provider, r.Suite, r.RunID, r.Started.UTC().Format(time.RFC3339),
			string(r.Status), fmt.Sprint(r.Pass), fmt.Sprint(r.Fail), fmt.Sprint(r.Inconclusive), fmt.Sprint(r.Error), r.Path})
	}
	return g
}
