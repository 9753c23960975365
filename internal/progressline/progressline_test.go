package progressline

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/scenarios/plan"
)

func attempt(done, total int, unit string) plan.RunProgress {
	return plan.RunProgress{Done: 1, Total: 3, Running: float64(done) / float64(total), Latest: plan.Attempt{Target: "web-1",
		StepProgress: plan.StepProgress{Step: "egress", Progress: probes.Progress{Unit: unit, Done: done, Total: total}}}}
}

func TestLabelKeepsAgentTextPlain(t *testing.T) {
	if got, want := Label(attempt(120, 10000, "dest\x1b[2Jinations\r")), "probes 1/3 · web-1/egress 120/10000 dest2Jinations"; got != want {
		t.Fatalf("label %q, want %q", got, want)
	}
}

func TestBarRedrawsAtMostEveryInterval(t *testing.T) {
	var out bytes.Buffer
	now := time.Unix(0, 0)
	b := New(&out, 80, func() time.Time { return now })
	for i := 1; i <= 50; i++ { // 50 reports within 49 ms: one drawing
		b.Show(attempt(i, 100, "destinations"))
		now = now.Add(time.Millisecond)
	}
	if n := strings.Count(out.String(), "\r"); n != 1 || !strings.Contains(out.String(), " 1/100 destinations") {
		t.Fatalf("%d drawings: %q", n, out.String())
	}
	now = now.Add(Every)
	b.Show(attempt(60, 100, "destinations"))
	if s := out.String(); strings.Count(s, "\r") != 2 || !strings.Contains(s, "60/100 destinations  53% |██████████") {
		t.Fatalf("after the interval: %q", s)
	}
	b.Show(plan.RunProgress{Done: 3, Total: 3}) // the run is done: the line is wiped
	if s := out.String(); !strings.HasSuffix(s, "\r\x1b[K") {
		t.Fatalf("the end did not wipe the line: %q", s)
	}
	out.Reset()
	b.Clear() // nothing drawn: nothing to wipe
	if out.Len() != 0 {
		t.Fatalf("cleared a clean line: %q", out.String())
	}
}

func TestLogLinesWipeTheBarFirst(t *testing.T) {
	var out bytes.Buffer
	b := New(&out, 80, nil)
	b.Show(attempt(5, 10, "destinations"))
	b.Writer(&out).Write([]byte("level=WARN msg=x\n"))
	if s := out.String(); !strings.HasSuffix(s, "\x1b[K\r\x1b[Klevel=WARN msg=x\n") {
		t.Fatalf("the log line did not start on a wiped line: %q", s)
	}
	if (*Bar)(nil).Writer(&out) != io.Writer(&out) {
		t.Fatal("a nil bar wrapped the writer")
	}
}

func TestBarFitsTheTerminal(t *testing.T) {
	var out bytes.Buffer
	b := New(&out, 40, nil)
	p := attempt(5, 10, "destinations")
	p.Latest.Target = strings.Repeat("t", 60)
	b.Show(p)
	line := strings.TrimSuffix(strings.TrimPrefix(out.String(), "\r"), "\x1b[K")
	if n := utf8.RuneCountInString(line); n >= 40 || !strings.HasSuffix(line, "|") {
		t.Fatalf("a %d-column line on a 40-column terminal: %q", n, line)
	}
}

func TestNoBarOffATerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if b := ForTerminal(w); b != nil {
		t.Fatal("a bar on a pipe")
	}
	if b := ForTerminal(&bytes.Buffer{}); b != nil {
		t.Fatal("a bar on a buffer")
	}
	var b *Bar // a nil bar does nothing
	b.Show(attempt(1, 2, "x"))
	b.Clear()
}
