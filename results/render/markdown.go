package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/sovbench/sovbench/results"
)

// Markdown writes r as Markdown for tickets and reviews: what was
// run, the verdict counts and table, and one line per evidence record.
// signer is a line about the signature ("" leaves it out); nothing is
// verified here.
func Markdown(w io.Writer, r *results.Report, signer string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s — %s\n\n", mdText(r.Provider.Name), mdText(r.Suite.Name))
	if r.Provider.Claims != "" {
		fmt.Fprintf(&b, "> %s\n\n", mdText(r.Provider.Claims))
	}
	fmt.Fprintf(&b, "- run `%s`, %s → %s, %s %s\n", r.RunID, r.Started.UTC().Format("2006-01-02 15:04:05Z"),
		r.Ended.UTC().Format("15:04:05Z"), r.Harness.Name, r.Harness.Version)
	fmt.Fprintf(&b, "- suite `%s` (SHA-256 `%s`)\n", mdText(r.Suite.Path), r.Suite.SHA256)
	if signer != "" {
		fmt.Fprintf(&b, "- signature: %s\n", mdText(signer))
	}
	status := "every claim met its requirement"
	if !r.Satisfied() {
		status = "**not every claim met its requirement**"
	}
	if r.Status != results.RunComplete {
		status += fmt.Sprintf(" (run %s: %s)", r.Status, mdText(r.Interruption))
	}
	fmt.Fprintf(&b, "- result: %s — %s\n\n", r.Counts(), status)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing markdown: %w", err)
	}
	g := Grid{Header: []string{"target", "claim", "verdict", "figure", "reason"}}
	for _, v := range r.Verdicts {
		g.Rows = append(g.Rows, []string{v.Target, v.Key(), strings.ToUpper(string(v.Status)), v.Figure, v.Reason})
	}
	if err := WriteGrid(w, g, "markdown"); err != nil {
		return err
	}
	e := Grid{Header: []string{"evidence", "probe", "target", "duration", "outcome"}}
	for _, ev := range r.Evidence {
		out := "recorded"
		if ev.Failure != nil {
			out = fmt.Sprintf("%s (%s)", ev.Failure.Class, ev.Failure.Operation)
		}
		e.Rows = append(e.Rows, []string{ev.ID, ev.Probe + " " + ev.ProbeVersion, ev.Target, ev.Duration.String(), out})
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("writing markdown: %w", err)
	}
	return WriteGrid(w, e, "markdown")
}

// mdText escapes the characters that would turn report text into Markdown
// or HTML markup.
var mdEscaper = strings.NewReplacer("\\", "\\\\", "*", "\\*", "_", "\\_", "`", "\\`", "|", "\\|",
	"<", "&lt;", ">", "&gt;", "[", "\\[", "]", "\\]", "\n", " ")

func mdText(s string) string { return mdEscaper.Replace(s) }
