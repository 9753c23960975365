package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Formats the table renderers accept.
var Formats = []string{"text", "json", "jsonl", "markdown", "csv"}

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
// rendered from a Grid by WriteGrid, the one place that uses tablewriter.
type Grid struct {
	Title  string
	Header []string
	Rows   [][]string
	// Notes are lines printed under the table in text and markdown (what
	// feeds it, caveats); csv and json carry only the rows.
	Notes []string
	// Keys is how many leading columns identify a row: the long form
	// (WriteLong) makes them its headings (0 means 1).
	Keys int
}

// WriteGrid writes g in the given format: text (a boxed table), markdown
// (a pipe table), csv (header then rows) or json (an array with one object
// per row, keyed by the header, in header order) or jsonl (the same objects,
// one per line).
func WriteGrid(w io.Writer, g Grid, format string) error {
	switch format {
	case "json":
		return renderJSON(w, g)
	case "jsonl":
		for _, r := range g.Rows {
			b := rowObject(g.Header, r)
			b = append(b, '\n')
			if _, err := w.Write(b); err != nil {
				return fmt.Errorf("writing table: %w", err)
			}
		}
		return nil
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(g.Header)
		cw.WriteAll(g.Rows)
		return cw.Error()
	case "markdown":
		if g.Title != "" {
			fmt.Fprintf(w, "### %s\n\n", g.Title)
		}
		if err := renderTable(w, g, true); err != nil {
			return err
		}
		if len(g.Notes) > 0 {
			fmt.Fprintln(w)
			for _, n := range g.Notes {
				fmt.Fprintf(w, "- %s\n", n)
			}
		}
		return nil
	case "text", "":
		if g.Title != "" {
			fmt.Fprintln(w, g.Title)
		}
		if err := renderTable(w, g, false); err != nil {
			return err
		}
		for _, n := range g.Notes {
			fmt.Fprintln(w, n)
		}
		return nil
	}
	return CheckFormat(format)
}

// renderTable draws g through tablewriter: cells as given (no header
// upper-casing, no wrapping), left-aligned.
func renderTable(w io.Writer, g Grid, markdown bool) error {
	opts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
	}
	cells := func(s []string) []any { return toAny(s) }
	if markdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
		cells = func(s []string) []any { return toAny(mdEscape(s)) }
	}
	t := tablewriter.NewTable(w, opts...)
	t.Header(cells(g.Header)...)
	for _, r := range g.Rows {
		if err := t.Append(cells(r)...); err != nil {
			return fmt.Errorf("rendering table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("rendering table: %w", err)
	}
	return nil
}

// renderJSON writes g as an array of objects, one per row, keyed by the
// header in header order (so columns keep their order, unlike a Go map).
func renderJSON(w io.Writer, g Grid) error {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, r := range g.Rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(rowObject(g.Header, r))
	}
	b.WriteByte(']')
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		return fmt.Errorf("encoding table: %w", err)
	}
	out.WriteByte('\n')
	_, err := w.Write(out.Bytes())
	return err
}

// rowObject is one row as a JSON object keyed by the header, in header order.
func rowObject(header, r []string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for j, h := range header {
		if j > 0 {
			b.WriteByte(',')
		}
		cell := ""
		if j < len(r) {
			cell = r[j]
		}
		k, _ := json.Marshal(h) // strings always marshal
		v, _ := json.Marshal(cell)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// mdEscape keeps cell text from breaking a markdown table.
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
