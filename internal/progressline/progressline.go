package progressline

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/sovbench/sovbench/scenarios/plan"
)

// Every is how often at most a Bar redraws, however often probes report.
const Every = 100 * time.Millisecond

// barCells is the width of the bar itself, in cells.
const barCells = 20

// Label describes p in one short line ("probes 2/5 · web-1/egress
// 120/10000 destinations"). Target and step names come from a plan and
// the unit from a probe or an agent, which may be hostile, so only plain
// letters, digits, spaces and "-_./" of them reach the terminal.
func Label(p plan.RunProgress) string {
	s := fmt.Sprintf("probes %d/%d", p.Done, p.Total)
	if l := p.Latest; l.Step != "" {
		s += fmt.Sprintf(" · %s/%s %d/%d %s", printable(l.Target), printable(l.Step), l.Done, l.Total, printable(l.Unit))
	}
	return s
}

// printable keeps the letters, digits, spaces and "-_./" of s, at most 40.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= 40 {
			break
		}
		if r == ' ' || r == '-' || r == '_' || r == '.' || r == '/' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Bar draws progress on one terminal line, redrawn in place at most once
// every Every, and wipes it when the run is done (Done == Total) or on
// Clear, so what is printed next starts on a clean line. Its methods are
// safe for concurrent use and do nothing on a nil Bar.
type Bar struct {
	mu    sync.Mutex
	w     io.Writer
	width int              // columns of the terminal
	now   func() time.Time // the clock
	last  time.Time        // when the line was last drawn
	drawn bool             // the line shows a bar
}

// ForTerminal returns a Bar on f when f is a terminal, nil otherwise:
// progress never reaches a pipe or a log file.
func ForTerminal(w io.Writer) *Bar {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil || width < 20 {
		width = 80
	}
	return New(f, width, nil)
}

// New returns a Bar writing to w, a terminal width columns wide; now is
// the clock (time.Now when nil).
func New(w io.Writer, width int, now func() time.Time) *Bar {
	if now == nil {
		now = time.Now
	}
	return &Bar{w: w, width: width, now: now}
}

// Show draws p unless the line was drawn less than Every ago; the run's
// end (Done == Total) wipes the line instead.
func (b *Bar) Show(p plan.RunProgress) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if p.Total > 0 && p.Done >= p.Total {
		b.clear()
		return
	}
	t := b.now()
	if b.drawn && t.Sub(b.last) < Every {
		return
	}
	b.last, b.drawn = t, true
	fmt.Fprint(b.w, "\r"+b.line(p)+"\x1b[K")
}

// Clear wipes the line if it shows a bar.
func (b *Bar) Clear() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.clear()
}

func (b *Bar) clear() {
	if b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K")
		b.drawn = false
	}
}

// line is p's label, percentage and bar, cut to fit the terminal's width
// (a line that wrapped could not be redrawn in place).
func (b *Bar) line(p plan.RunProgress) string {
	f := 0.0
	if p.Total > 0 {
		f = min(max((float64(p.Done)+p.Running)/float64(p.Total), 0), 1)
	}
	full := int(f * barCells)
	bar := fmt.Sprintf(" %3d%% |%s%s|", int(f*100), strings.Repeat("█", full), strings.Repeat(" ", barCells-full))
	return Cut(Label(p), b.width-1-barCells-8) + bar
}

// Cut is s cut to at most n characters (none when n < 1): a progress line
// wider than the terminal wraps, and a wrapped line cannot be redrawn in
// place.
func Cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:max(n, 0)])
}

// Writer returns w wrapped so that each write (a log line) first wipes
// the bar's line, and the bar is redrawn at its next report; w itself for
// a nil Bar.
func (b *Bar) Writer(w io.Writer) io.Writer {
	if b == nil {
		return w
	}
	return wiping{b, w}
}

type wiping struct {
	b *Bar
	w io.Writer
}

func (c wiping) Write(p []byte) (int, error) {
	c.b.mu.Lock()
	defer c.b.mu.Unlock()
	c.b.clear()
	return c.w.Write(p)
}
