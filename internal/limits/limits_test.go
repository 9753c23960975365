package limits

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestSet(t *testing.T) {
	for _, c := range []struct {
		name, arg string
		limit     Name
		want      int64
		err       string
	}{
		{name: "a size with a binary unit", arg: "suite-bytes=4MiB", limit: SuiteBytes, want: 4 << 20},
		{name: "a size with a decimal unit", arg: "report-bytes=2GB", limit: ReportBytes, want: 2e9},
		{name: "a size in bytes", arg: "key-bytes=4096", limit: KeyBytes, want: 4096},
		{name: "a count", arg: "probes=1000", limit: Probes, want: 1000},
		{name: "spaces around the parts are ignored", arg: " targets = 9 ", limit: Targets, want: 9},
		{name: "no equals sign is refused", arg: "probes", err: "want NAME=VALUE"},
		{name: "an unknown name is refused with the known ones", arg: "probe=3", err: `unknown name "probe" (names: suite-bytes`},
		{name: "a count with a unit is refused", arg: "probes=3k", err: "not a whole number"},
		{name: "a negative count is refused", arg: "probes=-1", err: "not a whole number"},
		{name: "zero is refused", arg: "destinations=0", err: "at least 1"},
		{name: "a size that is not one is refused", arg: "lab-bytes=big", err: "not a size"},
		{name: "an absurd size is refused", arg: "lab-bytes=100EiB", err: ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var l Limits
			err := l.Set(c.arg)
			if c.err != "" || c.limit == "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("Set(%q) = %v, want an error containing %q", c.arg, err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Set(%q): %v", c.arg, err)
			}
			if got := l.Max(c.limit); got != c.want {
				t.Errorf("Max(%s) = %d, want %d", c.limit, got, c.want)
			}
		})
	}
}

func TestUnsetBoundsKeepTheirDefaults(t *testing.T) {
	var l Limits
	if err := l.Set("probes=7"); err != nil {
		t.Fatal(err)
	}
	for _, s := range Specs {
		want := s.Default
		if s.Name == Probes {
			want = 7
		}
		if got := l.Max(s.Name); got != want {
			t.Errorf("Max(%s) = %d, want %d", s.Name, got, want)
		}
	}
	if got := l.String(); got != "probes=7" {
		t.Errorf("String = %q", got)
	}
}

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadFileBounds(t *testing.T) {
	l := Limits{}.With(KeyBytes, 8)
	if b, err := l.ReadFile(t.Context(), KeyBytes, write(t, "12345678")); err != nil || string(b) != "12345678" {
		t.Fatalf("a file of exactly the bound: %q, %v", b, err)
	}
	_, err := l.ReadFile(t.Context(), KeyBytes, write(t, "123456789"))
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Size != 9 || tl.Max != 8 || tl.Limit != KeyBytes {
		t.Fatalf("a file one byte over: %v, want a TooLargeError from its size", err)
	}
	if !strings.Contains(err.Error(), "--limit key-bytes=") {
		t.Errorf("error %q does not say how to raise the bound", err)
	}
}

func TestReadFileRefusesAHugeSparseFileWithoutReadingIt(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sparse")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(1 << 40) // 1 TiB of holes: reading it would not end
	f.Close()
	_, err = Limits{}.ReadFile(t.Context(), ReportBytes, p)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Size != 1<<40 {
		t.Fatalf("ReadFile = %v, want a TooLargeError naming the size", err)
	}
}

func TestReadFileStopsADeviceOneBytePastTheBound(t *testing.T) {
	_, err := Limits{}.ReadFile(t.Context(), SuiteBytes, "/dev/zero")
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Size != 0 || tl.Max != 1<<20 {
		t.Fatalf("ReadFile(/dev/zero) = %v, want a TooLargeError", err)
	}
	if !strings.Contains(err.Error(), "/dev/zero is too large: more than 1.0 MiB (raise the bound with --limit suite-bytes=SIZE)") {
		t.Errorf("error = %q", err)
	}
}

// fifoWithIdleWriter returns a FIFO that a writer holds open without
// writing: a plain read of it blocks for ever.
func fifoWithIdleWriter(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := os.OpenFile(p, os.O_RDWR, 0) // O_RDWR: does not wait for a reader
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return p
}

func TestReadFileEndsWhenTheContextIsCancelled(t *testing.T) {
	p := fifoWithIdleWriter(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := Limits{}.ReadFile(ctx, SuiteBytes, p)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("ReadFile returned before the cancel: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("ReadFile = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ReadFile still blocked 10 s after its context was cancelled")
	}
}

func TestReadFileReadsAPipeToItsEnd(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for _, s := range []string{"suite: ", "a\n"} {
			time.Sleep(20 * time.Millisecond)
			w.WriteString(s)
		}
		w.Close()
	}()
	b, err := Limits{}.ReadFile(t.Context(), SuiteBytes, p)
	if err != nil || string(b) != "suite: a\n" {
		t.Fatalf("ReadFile = %q, %v", b, err)
	}
}

func TestReadFileRefusesADirectory(t *testing.T) {
	if _, err := (Limits{}).ReadFile(t.Context(), SuiteBytes, t.TempDir()); !errors.Is(err, syscall.EISDIR) {
		t.Fatalf("ReadFile(dir) = %v, want EISDIR", err)
	}
}

func TestCount(t *testing.T) {
	l := Limits{}.With(Probes, 2)
	if err := l.Count(Probes, "probes", 2); err != nil {
		t.Fatalf("at the bound: %v", err)
	}
	err := l.Count(Probes, "probes", 3)
	var tm *TooManyError
	if !errors.As(err, &tm) || tm.Count != 3 || !strings.Contains(err.Error(), "--limit probes=N") {
		t.Fatalf("over the bound: %v", err)
	}
}

func FuzzSet(f *testing.F) {
	for _, s := range []string{"probes=3", "suite-bytes=1MiB", "x", "=", "report-bytes=1e3GB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		var l Limits
		if err := l.Set(arg); err != nil {
			return
		}
		for _, s := range Specs {
			if l.Max(s.Name) < 1 {
				t.Fatalf("Set(%q) left %s at %d", arg, s.Name, l.Max(s.Name))
			}
		}
		// What String prints, Set reads back to the same bounds.
		var again Limits
		for _, part := range strings.Split(l.String(), ",") {
			if err := again.Set(part); err != nil {
				t.Fatalf("Set(%q) of String's %q: %v", part, l.String(), err)
			}
		}
		for _, s := range Specs {
			if l.Max(s.Name) != again.Max(s.Name) {
				t.Fatalf("%s: %d printed as %q reads back as %d", s.Name, l.Max(s.Name), l.String(), again.Max(s.Name))
			}
		}
	})
}
