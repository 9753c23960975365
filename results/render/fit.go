package render

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/mattn/go-runewidth"
)

// DefaultWidth is the width text tables fit when the terminal's is not
// known (output to a file or a pipe, no COLUMNS).
const DefaultWidth = 120

// TextOptions say how text tables fit the terminal.
type TextOptions struct {
	// Width is the terminal's width in columns (0: DefaultWidth).
	Width int
	// Wide draws the matrix even when it is wider than Width.
	Wide bool
}

func (o TextOptions) width() int {
	if o.Width <= 0 {
		return DefaultWidth
	}
	return o.Width
}

// WriteFit writes g like WriteGrid, except that text fits o: the boxed
// matrix when it is no wider than the terminal (or with Wide), else the
// long form (WriteLong), which never is.
func WriteFit(w io.Writer, g Grid, format string, o TextOptions) error {
	if format != "text" && format != "" {
		return WriteGrid(w, g, format)
	}
	var b bytes.Buffer
	if err := WriteGrid(&b, g, "text"); err != nil {
		return err
	}
	if o.Wide || maxLineWidth(b.String()) <= o.width() {
		_, err := w.Write(b.Bytes())
		return err
	}
	return WriteLong(w, g, o.width())
}

// WriteLong writes g as a list that fits width columns: per row, a heading
// made of its first g.Keys columns (the first of them as a section heading
// when Keys > 1 and it changes), then one line per remaining column whose
// cell is not empty: the column's header, then the cell, wrapped under
// itself when long. Nothing is cut off.
func WriteLong(w io.Writer, g Grid, width int) error {
	keys := max(min(g.Keys, len(g.Header)-1), 1)
	var b strings.Builder
	if g.Title != "" {
		b.WriteString(wrap(g.Title, width, "", ""))
	}
	name := 0
	for _, h := range g.Header[keys:] {
		name = max(name, runewidth.StringWidth(h))
	}
	name = min(name, width/3)
	section := "\x00"
	for _, r := range g.Rows {
		cells := padRow(r, len(g.Header))
		head := cells[:keys]
		indent := ""
		if keys > 1 {
			if cells[0] != section {
				section = cells[0]
				b.WriteString("\n" + wrap(g.Header[0]+" "+section, width, "", "  "))
			}
			head, indent = cells[1:keys], "  "
		} else {
			b.WriteString("\n")
		}
		b.WriteString(wrap(heading(head), width, indent, indent+"    "))
		for j, h := range g.Header[keys:] {
			v := cells[keys+j]
			if v == "" || v == "—" {
				continue
			}
			lead := indent + "  " + runewidth.FillRight(h, name) + "  "
			b.WriteString(wrap(v, width, lead, strings.Repeat(" ", runewidth.StringWidth(lead))))
		}
	}
	for i, n := range g.Notes {
		if i == 0 {
			b.WriteString("\n")
		}
		b.WriteString(wrap(n, width, "", "  "))
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing table: %w", err)
	}
	return nil
}

// wrap breaks s into lines of at most width columns at spaces, the first
// line starting with lead and the others with indent; a word longer than a
// line is broken where the line ends. It ends with a newline.
func wrap(s string, width int, lead, indent string) string {
	var b strings.Builder
	line, lineW := lead, runewidth.StringWidth(lead)
	room := func() int { return width - lineW }
	flush := func() {
		b.WriteString(strings.TrimRight(line, " ") + "\n")
		line, lineW = indent, runewidth.StringWidth(indent)
	}
	fresh := true // nothing but the lead or indent on the line
	for _, word := range strings.Fields(s) {
		ww := runewidth.StringWidth(word)
		if !fresh && ww+1 > room() {
			flush()
			fresh = true
		}
		if !fresh {
			line, lineW = line+" ", lineW+1
		}
		for ww > room() && room() > 0 { // a word wider than a whole line
			head := runewidth.Truncate(word, room(), "")
			line += head
			lineW += runewidth.StringWidth(head)
			word = word[len(head):]
			ww = runewidth.StringWidth(word)
			flush()
		}
		line, lineW = line+word, lineW+ww
		fresh = false
	}
	flush()
	return b.String()
}

// heading joins a row's key cells: the first, then the others in
// parentheses ("location.in: LU (SecNumCloud §19.2)").
func heading(keys []string) string {
	rest := nonEmpty(keys[1:])
	if len(rest) == 0 {
		return keys[0]
	}
	return keys[0] + " (" + strings.Join(rest, "; ") + ")"
}

func padRow(r []string, n int) []string {
	out := make([]string, n)
	copy(out, r)
	return out
}

func nonEmpty(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

func maxLineWidth(s string) int {
	m := 0
	for _, l := range strings.Split(s, "\n") {
		m = max(m, runewidth.StringWidth(l))
	}
	return m
}
