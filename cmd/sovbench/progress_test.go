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
