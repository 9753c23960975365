package results

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
)

// Formats the table renderers accept.
var Formats = []string{"text", "json", "markdown", "csv"}

// CheckFormat returns an error for a format Formats does not list.
func CheckFormat(f string) error {
	for _, k := range Formats {
		if k == f {
			return nil
		}
	}
	return fmt.Errorf("unknown output format %q (known: %s)", f, strings.Join(Formats, ", "))
}

// Grid is a table: a header row and data rows. All tables in sovbench are
// rendered from a Grid by RenderGrid, the one place that uses tablewriter.
type Grid struct {
	Title  string
	Header []string
	Rows   [][]string
}

// RenderGrid writes g in the given format.
func RenderGrid(w io.Writer, g Grid, format string) error {
	switch format {
	case "json":
		rows := make([]map[string]string, 0, len(g.Rows))
		for _, r := range g.Rows {
			m := make(map[string]string, len(g.Header))
			for i, h := range g.Header {
				if i < len(r) {
					m[h] = r[i]
				}
			}
			rows = append(rows, m)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(g.Header)
		cw.WriteAll(g.Rows)
		return cw.Error()
	case "markdown":
		if g.Title != "" {
			fmt.Fprintf(w, "### %s\n\n", g.Title)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(mdEscape(g.Header), " | "))
		fmt.Fprintf(w, "|%s\n", strings.Repeat(" --- |", len(g.Header)))
		for _, r := range g.Rows {
			fmt.Fprintf(w, "| %s |\n", strings.Join(mdEscape(r), " | "))
		}
		return nil
	case "text", "":
		if g.Title != "" {
			fmt.Fprintln(w, g.Title)
		}
		t := tablewriter.NewWriter(w)
		t.Header(toAny(g.Header)...)
		for _, r := range g.Rows {
			if err := t.Append(toAny(r)...); err != nil {
				return fmt.Errorf("rendering table: %w", err)
			}
		}
		return t.Render()
	}
	return CheckFormat(format)
}

func mdEscape(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = strings.ReplaceAll(strings.ReplaceAll(c, "|", `\|`), "\n", " ")
	}
	return out
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// VerdictGrid is the table of one report's verdicts.
func VerdictGrid(r *Report) Grid {
	g := Grid{
		Title:  fmt.Sprintf("%s — %s (%s, %s)", r.Suite.Name, r.Provider.Name, r.Status, r.Counts()),
		Header: []string{"claim", "target", "verdict", "figure", "reason"},
	}
	for _, v := range r.Verdicts {
		g.Rows = append(g.Rows, []string{v.Key(), v.Target, string(v.Status), v.Figure, v.Reason})
	}
	return g
}
