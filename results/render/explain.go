package render

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/frameworks"
)

// Meaning says what a verdict status means and what it does not.
type Meaning struct {
	Status       results.Status
	Means        string
	DoesNotMean  string
	Distribution int // how many verdicts of the report have this status
}

// meanings are the four statuses, explained for a reader who is not an
// engineer: the page's "what each verdict means" table.
var meanings = []Meaning{
	{Status: results.StatusPass,
		Means: "The evidence positively shows the claim held on that target when it was measured, " +
			"and it is evidence a provider could not fake by lying about its own configuration.",
		DoesNotMean: "Not a certification of the criterion, and no promise about other hosts, other " +
			"times, or anything the probes cannot see (contracts, staff, processes)."},
	{Status: results.StatusFail,
		Means:       "The evidence contradicts the claim: the reason says what was seen (a destination reached, an operator identified).",
		DoesNotMean: "Not a judgement of intent, and not a finding about targets or claims the suite did not test."},
	{Status: results.StatusInconclusive,
		Means: "The evidence could not decide either way, for the reason given (a positive control " +
			"unreachable, a region that touches a border, a landmark that did not answer).",
		DoesNotMean: "Neither a pass nor a fail: it must not be counted as either."},
	{Status: results.StatusError,
		Means:       "The harness could not collect the evidence (a probe stopped or crashed).",
		DoesNotMean: "Nothing about the provider: the check did not take place."},
}

func meaningsOf(c results.Counts) []Meaning {
	out := slices.Clone(meanings)
	n := map[results.Status]int{results.StatusPass: c.Pass, results.StatusFail: c.Fail,
		results.StatusInconclusive: c.Inconclusive, results.StatusError: c.Error}
	for i := range out {
		out[i].Distribution = n[out[i].Status]
	}
	return out
}

// summary is the page's opening paragraph: who was tested, against what,
// when, the outcome in words, and the verdicts that did not pass.
func summary(r *results.Report) string {
	c := r.Counts()
	var b strings.Builder
	fmt.Fprintf(&b, "%s was tested against the suite %q on %s (UTC) on %s. ", r.Provider.Name, r.Suite.Name,
		r.Started.UTC().Format("2 January 2006 at 15:04"), plural(len(r.Targets), "target"))
	fmt.Fprintf(&b, "Of %s, %d passed, %d failed, %d were inconclusive and %d could not be evaluated. ",
		plural(len(r.Verdicts), "verdict"), c.Pass, c.Fail, c.Inconclusive, c.Error)
	switch {
	case r.Status != results.RunComplete:
		fmt.Fprintf(&b, "The run is %s (%s), so the report cannot show every claim met. ", r.Status, r.Interruption)
	case r.Satisfied():
		b.WriteString("Every claim met its requirement. ")
	default:
		b.WriteString("Not every claim met its requirement. ")
	}
	var bad []string
	for _, v := range r.Verdicts {
		if !v.Require.Satisfied(v.Status) && len(bad) < 3 {
			bad = append(bad, fmt.Sprintf("%s on %s is %s (%s)", v.Key(), v.Target, v.Status, v.Reason))
		}
	}
	if len(bad) > 0 {
		b.WriteString("Not met: " + strings.Join(bad, "; ") + ".")
	}
	return strings.TrimSpace(b.String())
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// scope lists what the run looked at and how: targets, probes, the suite
// and the harness, as "label: text" lines.
func scope(r *results.Report) [][2]string {
	var targets []string
	for _, t := range r.Targets {
		targets = append(targets, t.Name+" ("+t.Kind+")")
	}
	probes := map[string]bool{}
	var names []string
	for _, e := range r.Evidence {
		if !probes[e.Probe] {
			probes[e.Probe] = true
			names = append(names, e.Probe)
		}
	}
	return [][2]string{
		{"Targets", strings.Join(targets, ", ")},
		{"Probes run", strings.Join(names, ", ") + fmt.Sprintf(" (%s)", plural(len(r.Evidence), "evidence record"))},
		{"Window", r.Started.UTC().Format("2006-01-02 15:04:05") + " to " + r.Ended.UTC().Format("15:04:05 UTC") +
			" (" + results.Duration(r.Ended.Sub(r.Started)).Human() + ")"},
		{"Suite", r.Suite.Name + ", SHA-256 " + r.Suite.SHA256 + " (its source is at the end of this page)"},
		{"Method", "Each claim is decided from the evidence records alone, by the verdict rules of " + r.Harness.Name + " " +
			r.Harness.Version + "; `sovbench verify` re-evaluates every verdict from the same records."},
		{"Not in scope", "Anything the suite does not claim, and what no network or host probe can see: contracts, " +
			"ownership, staff and processes. An auditor judges those from documents."},
	}
}

// criteriaOf lists the distinct criteria the report's claims give
// evidence for, in verdict order.
func criteriaOf(r *results.Report) []frameworks.Criterion {
	seen := map[string]bool{}
	var out []frameworks.Criterion
	for _, v := range r.Verdicts {
		for _, c := range frameworks.For(v.Claim) {
			if !seen[c.ID] {
				seen[c.ID] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// criteriaShort is the verdict table's criteria cell.
func criteriaShort(claim string) string { return frameworks.Short(frameworks.For(claim)) }
