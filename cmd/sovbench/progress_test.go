package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/scenarios/plan"
	"github.com/sovbench/sovbench/scenarios/run"
)

// openPTY opens a pseudo-terminal: what the program writes to tty the
// test reads from master, as a person's terminal would show it.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// slowCountingSuite writes a suite whose controlplane step makes 20
// requests, 30 ms apart, to a loopback server: long enough for a bar
// that redraws every 100 ms to show the step's attempts.
func slowCountingSuite(t *testing.T, dir string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	useFixture(t, fixture(t, map[string]string{"proc/sys/kernel/osrelease": "6.1\n"}))
	path := filepath.Join(dir, "suite.yaml")
	body := "suite: t\nprovider: {name: prov}\nbudget: 1m\nprobes:\n  - probe: controlplane\n    params: {url: \"" + srv.URL +
		"\", count: 20, interval: 30ms}\nclaims:\n  - control_plane.max_distance_km: 100\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunShowsAttemptsOnATerminal(t *testing.T) {
	dir := t.TempDir()
	suite := slowCountingSuite(t, dir)
	master, tty := openPTY(t)
	var shown bytes.Buffer
	copied := make(chan struct{})
	go func() { io.Copy(&shown, master); close(copied) }()
	var out bytes.Buffer
	if code := execute(context.Background(), []string{"run", "--results-dir", filepath.Join(dir, "res"), "-o", "json", suite}, &out, tty); code != exitOK {
		t.Fatalf("run exit %d", code)
	}
	tty.Close()
	select {
	case <-copied:
	case <-time.After(5 * time.Second):
	}
	if s := shown.String(); !strings.Contains(s, "controlplane") || !strings.Contains(s, "/20 requests") {
		t.Fatalf("the terminal showed no attempts of the running probe:\n%q", s)
	}
}

func TestRunIsSilentWithoutATerminal(t *testing.T) {
	dir := t.TempDir()
	suite := slowCountingSuite(t, dir)
	r, w, err := os.Pipe() // a pipe, as to a log file or CI
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out bytes.Buffer
	code := execute(context.Background(), []string{"run", "--results-dir", filepath.Join(dir, "res"), "-o", "json", suite}, &out, w)
	w.Close()
	got, _ := io.ReadAll(r)
	if code != exitOK {
		t.Fatalf("run exit %d: %s", code, got)
	}
	for _, line := range strings.SplitAfter(string(got), "\n") {
		if line != "" && (!strings.HasPrefix(line, "report: ") || strings.ContainsAny(line, "\r\x1b")) {
			t.Fatalf("progress reached a pipe: %q", got)
		}
	}
}

// TestBarFitsANarrowTerminal: on a 60-column terminal, a label longer than
// the line (long target and step names) is cut, so every redraw stays on
// one line; a wrapped line would leave debris at each redraw.
func TestBarFitsANarrowTerminal(t *testing.T) {
	const cols = 60
	master, tty := openPTY(t)
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: cols}); err != nil {
		t.Fatal(err)
	}
	var shown bytes.Buffer
	copied := make(chan struct{})
	go func() { io.Copy(&shown, master); close(copied) }()
	a := &app{stderr: tty}
	show, done := a.runBar(3)
	long := strings.Repeat("x", 40)
	for i := range 3 {
		show(run.Progress{Done: i, Total: 3, Running: 0.5,
			Latest: run.Attempt{Target: long, StepProgress: plan.StepProgress{Step: long, Progress: probes.Progress{Done: 5000, Total: 10000, Unit: "destinations"}}}})
		time.Sleep(150 * time.Millisecond) // past the bar's redraw throttle
	}
	done()
	tty.Close()
	select {
	case <-copied:
	case <-time.After(5 * time.Second):
	}
	drawn := 0
	for _, line := range strings.Split(strings.ReplaceAll(shown.String(), "\x1b[K", ""), "\r") {
		if n := len([]rune(line)); n > cols {
			t.Errorf("a bar line of %d characters on a %d-column terminal: %q", n, cols, line)
		}
		if strings.Contains(line, "probes ") {
			drawn++
		}
	}
	if drawn == 0 {
		t.Fatalf("no bar was drawn: %q", shown.String())
	}
}
