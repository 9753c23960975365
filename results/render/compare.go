package render

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/frameworks"
	"github.com/sovbench/sovbench/results/store"
)

// Comparison is providers side by side: per provider, the newest run of
// each suite. It renders as two tables for people (claims per suite, then
// measurements) and as one record per verdict for programs (Records).
type Comparison struct {
	// Providers are the columns, sorted.
	Providers []string
	// Runs are the runs compared: per provider, the newest of each suite;
	// sorted by provider, then suite.
	Runs []store.RunRecord
	// Signers maps a run id to its signature; a run missing here is
	// unsigned. Nil when no compared report is signed.
	Signers map[string]Signer
}

// Signer is what is known about a compared report's signature.
type Signer struct {
	KeyID    string // the whole hex key id
	Verified bool   // checked against a trusted key (verify.Verifier)
}

// CompareReports compares reports; see CompareRuns.
func CompareReports(reps []*results.Report) Comparison {
	runs := make([]store.RunRecord, len(reps))
	for i, r := range reps {
		runs[i] = store.RecordOf(r, "")
	}
	return CompareRuns(runs)
}

// CompareRuns picks, per provider, the newest run of each suite (the same
// runs give the same comparison whatever order they come in).
func CompareRuns(runs []store.RunRecord) Comparison {
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
	var c Comparison
	for i, r := range sorted {
		if i+1 < len(sorted) && sorted[i+1].Provider == r.Provider && sorted[i+1].Suite == r.Suite {
			continue // a newer run of this suite follows
		}
		c.Runs = append(c.Runs, r)
		if !slices.Contains(c.Providers, r.Provider) {
			c.Providers = append(c.Providers, r.Provider)
		}
	}
	return c
}

// run returns the provider's compared run of suite, if any.
func (c Comparison) run(provider, suite string) (store.RunRecord, bool) {
	for _, r := range c.Runs {
		if r.Provider == provider && r.Suite == suite {
			return r, true
		}
	}
	return store.RunRecord{}, false
}

// claimRow is one claim of one suite: its key and kind.
type claimRow struct{ suite, key, kind string }

// claimRows lists the claims of every suite, suites in name order and
// claims in the order they first appear.
func (c Comparison) claimRows() []claimRow {
	var out []claimRow
	var suites []string
	for _, r := range c.Runs {
		if !slices.Contains(suites, r.Suite) {
			suites = append(suites, r.Suite)
		}
	}
	slices.Sort(suites)
	for _, s := range suites {
		for _, r := range c.Runs {
			if r.Suite != s {
				continue
			}
			for _, v := range r.Verdicts {
				row := claimRow{s, v.Key(), v.Claim}
				if !slices.Contains(out, row) {
					out = append(out, row)
				}
			}
		}
	}
	return out
}

// ClaimsGrid is the claims table: one row per suite and claim, with the
// criteria the claim gives evidence for, and per provider the verdict of
// its run of that suite ("—" when it did not run the suite). Its first
// row says who signed each column's reports when any is signed.
func (c Comparison) ClaimsGrid() Grid {
	g := Grid{Title: "Claims, per suite (criteria: * = supporting evidence)", Keys: 3,
		Header: append([]string{"suite", "claim", "criteria"}, c.Providers...), Notes: c.Summary()}
	for _, cr := range c.claimRows() {
		row := []string{cr.suite, shortHex(cr.key), frameworks.Short(frameworks.For(cr.kind))}
		for _, p := range c.Providers {
			r, ok := c.run(p, cr.suite)
			if !ok {
				row = append(row, "—")
				continue
			}
			row = append(row, claimCell(verdictsOf(r, cr.key)))
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// longHex is a run of hex digits too long to read in a table cell: a
// measurement, a digest.
var longHex = regexp.MustCompile(`[0-9a-fA-F]{24,}`)

// shortHex cuts every long hex run in a claim label to its first 16
// digits and "…", so that a TEE measurement or a root's digest does not
// fill three lines of the claims table. Records for programs (compare -o
// json|jsonl|csv) keep the full label.
func shortHex(label string) string {
	return longHex.ReplaceAllStringFunc(label, func(h string) string { return h[:16] + "…" })
}

// MeasurementsGrid is the key measurements, apart from the claims: one row
// per measurement, per provider the value of its newest run that measured
// it (per target when several targets differ).
func (c Comparison) MeasurementsGrid() Grid {
	g := Grid{Title: "Measurements (each provider's newest run that measured them)", Keys: 1,
		Header: append([]string{"measurement"}, c.Providers...)}
	var keys []string
	for _, r := range c.Runs {
		for _, m := range r.Measurements {
			if !slices.Contains(keys, m.Key) {
				keys = append(keys, m.Key)
			}
		}
	}
	for _, k := range keys {
		row := []string{k}
		for _, p := range c.Providers {
			row = append(row, measureCell(c.newestMeasured(p, k)))
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// newestMeasured returns the measurements key of the provider's newest run
// that has it.
func (c Comparison) newestMeasured(provider, key string) []store.Measurement {
	var best []store.Measurement
	var at time.Time
	for _, r := range c.Runs {
		if r.Provider != provider {
			continue
		}
		var ms []store.Measurement
		for _, m := range r.Measurements {
			if m.Key == key {
				ms = append(ms, m)
			}
		}
		if len(ms) > 0 && (best == nil || r.Started.After(at)) {
			best, at = ms, r.Started
		}
	}
	return best
}

// RunsGrid lists the compared runs: what feeds every column.
func (c Comparison) RunsGrid() Grid {
	g := Grid{Title: "Runs compared", Keys: 2, Header: []string{"provider", "suite", "run id", "started", "status", "targets", "signature"}}
	for _, r := range c.Runs {
		status := string(r.Status)
		if r.Interruption != "" {
			status += ": " + r.Interruption
		}
		g.Rows = append(g.Rows, []string{r.Provider, r.Suite, r.RunID, r.Started.UTC().Format(time.RFC3339),
			status, strings.Join(r.Targets, ", "), c.signature(r.RunID)})
	}
	return g
}

// signature says how the run's report is signed, in words.
func (c Comparison) signature(runID string) string {
	s, ok := c.Signers[runID]
	switch {
	case !ok:
		return UnsignedLabel
	case s.Verified:
		return "verified, key " + s.KeyID
	}
	return "NOT verified, key " + s.KeyID
}

// Summary says in a few lines what the tables rest on: how many runs of
// which providers and suites, when, whether complete, and who signed them
// (verified or not); runs that stand out (incomplete, unsigned, not
// verified) are named.
func (c Comparison) Summary() []string {
	if len(c.Runs) == 0 {
		return nil
	}
	first, last := c.Runs[0].Started, c.Runs[0].Started
	suites := map[string]bool{}
	var incomplete []string
	signers := map[string][]string{} // signature in words → runs
	var order []string
	for _, r := range c.Runs {
		first, last = minTime(first, r.Started), maxTime(last, r.Started)
		suites[r.Suite] = true
		if r.Status != results.RunComplete {
			incomplete = append(incomplete, r.Provider+"/"+r.Suite+" ("+r.Interruption+")")
		}
		sig := c.signatureShort(r.RunID)
		if _, ok := signers[sig]; !ok {
			order = append(order, sig)
		}
		signers[sig] = append(signers[sig], r.Provider+"/"+r.Suite)
	}
	when := "started " + first.UTC().Format("2006-01-02 15:04 UTC")
	if last.Sub(first) >= time.Minute {
		when = "started " + first.UTC().Format("2006-01-02 15:04") + " to " + last.UTC().Format("2006-01-02 15:04 UTC")
	}
	out := []string{fmt.Sprintf("%s compared: the newest of each suite per provider (%s, %s), %s.",
		count(len(c.Runs), "run"), count(len(c.Providers), "provider"), count(len(suites), "suite"), when)}
	if len(incomplete) > 0 {
		out = append(out, "Incomplete: "+strings.Join(incomplete, ", ")+".")
	}
	for _, sig := range order {
		if len(order) == 1 && sig == UnsignedLabel {
			out = append(out, "Signatures: none, the reports are unsigned.")
			break
		}
		if len(order) == 1 {
			out = append(out, "Signatures: all "+sig)
			break
		}
		out = append(out, fmt.Sprintf("Signatures: %s: %s", sig, strings.Join(signers[sig], ", ")))
	}
	return out
}

// signatureShort is signature with a short key id.
func (c Comparison) signatureShort(runID string) string {
	s, ok := c.Signers[runID]
	switch {
	case !ok:
		return UnsignedLabel
	case s.Verified:
		return "verified (key " + shortKeyID(s.KeyID) + ")"
	}
	return "NOT verified (key " + shortKeyID(s.KeyID) + ")"
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// UnsignedLabel is what a plain report's signature shows.
const UnsignedLabel = "unsigned"

func shortKeyID(id string) string {
	if len(id) > 12 {
		return id[:12] + "…"
	}
	return id
}

func verdictsOf(r store.RunRecord, key string) []results.Verdict {
	var out []results.Verdict
	for _, v := range r.Verdicts {
		if v.Key() == key {
			out = append(out, v)
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

// count is "1 run", "2 runs".
func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
