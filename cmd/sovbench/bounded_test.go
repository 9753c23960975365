package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// peakEnv names the file the test binary, doubling as sovbench, writes its
// peak resident memory to (VmHWM) before it exits. The kernel's rusage
// cannot tell it: a child started with vfork inherits the peak of the test
// process that started it.
const peakEnv = "SOVBENCH_TEST_PEAK_FILE"

// mainRecordingPeak is main, writing the process's peak RSS in KiB (the
// VmHWM of its own address space, new since exec) to path at the end.
func mainRecordingPeak(path string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	status, _ := os.ReadFile("/proc/self/status")
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			os.WriteFile(path, []byte(strings.TrimSuffix(strings.TrimSpace(v), " kB")), 0o644)
		}
	}
	return code
}

// realRun runs this test binary as sovbench (a real process, real signal
// handling) in dir and returns its exit code, stderr and peak RSS. guard
// only catches a hang: past it the process is killed and the test fails.
// Speed is measured by scripts/bench/inputs.sh, never here.
func realRun(t *testing.T, dir string, guard time.Duration, during func(*exec.Cmd), args ...string) (code int, stderr string, maxRSSKiB int64) {
	t.Helper()
	cmd := sovbench(t, dir, args...)
	peak := filepath.Join(t.TempDir(), "peak")
	cmd.Env = append(cmd.Env, peakEnv+"="+peak)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if during != nil {
		during(cmd)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(guard):
		cmd.Process.Kill()
		<-done
		t.Fatalf("sovbench %v still running after %s (killed); stderr: %s", args, guard, errb.String())
	}
	b, err := os.ReadFile(peak)
	if err != nil {
		t.Fatalf("sovbench %v left no peak RSS: %v; stderr: %s", args, err, errb.String())
	}
	if maxRSSKiB, err = strconv.ParseInt(string(b), 10, 64); err != nil {
		t.Fatalf("peak RSS %q: %v", b, err)
	}
	return cmd.ProcessState.ExitCode(), errb.String(), maxRSSKiB
}

func TestRunOfAnEndlessFileEndsWithAClearError(t *testing.T) {
	// Before the bound, sovbench read /dev/zero until the machine ran out
	// of memory (24 GB), deaf to SIGTERM.
	code, stderr, rss := realRun(t, t.TempDir(), time.Minute, nil, "run", "/dev/zero")
	if code != exitUsage || !strings.Contains(stderr, "/dev/zero is too large: more than 1.0 MiB (raise the bound with --limit suite-bytes=SIZE)") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if rss > 200<<10 {
		t.Errorf("peak RSS %d MiB reading /dev/zero, want a bounded read (< 200 MiB)", rss>>10)
	}
}

// idleFIFO returns a FIFO a writer holds open without writing: reading it
// blocks until the writer goes, which it never does during the test.
func idleFIFO(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "suite.yaml")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return p
}

func TestSignalsEndTheReadOfASuite(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String()+" ends a read that would block for ever", func(t *testing.T) {
			dir := t.TempDir()
			fifo := idleFIFO(t, dir)
			signal := func(cmd *exec.Cmd) {
				time.Sleep(300 * time.Millisecond) // let it block in the read
				cmd.Process.Signal(sig)
			}
			code, stderr, _ := realRun(t, dir, 30*time.Second, signal, "run", "--results-dir", "res", fifo)
			if code != exitRuntime || !strings.Contains(stderr, "reading suite: reading "+fifo) {
				t.Fatalf("exit %d, stderr %q; want %d naming the read", code, stderr, exitRuntime)
			}
			if _, err := os.Stat(filepath.Join(dir, "res")); err == nil {
				t.Error("a run that never read its suite created the results folder")
			}
		})
	}
}

// suiteWith writes a suite of the given probes and targets YAML.
func suiteWith(t *testing.T, dir, head, probes string) string {
	t.Helper()
	p := filepath.Join(dir, "s.yaml")
	body := "suite: t\nprovider: {name: prov}\n" + head + "probes:\n" + probes + "claims:\n  - hypervisor.present: true\n    require: no_fail\n"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func hostProbes(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "  - {probe: host, id: h%d}\n", i)
	}
	return b.String()
}

func TestSuiteBoundsAndTheLimitFlag(t *testing.T) {
	root := fixture(t, map[string]string{"proc/sys/kernel/osrelease": "6.1\n"})
	useFixture(t, root)
	egress := func(n int) string {
		var b strings.Builder
		b.WriteString("  - probe: egress\n    params:\n      destinations:\n")
		for i := range n {
			fmt.Fprintf(&b, "        - {host: 127.0.0.%d, port: 9, protocol: tcp}\n", i+1)
		}
		return b.String()
	}
	bigList := func(dir string) string {
		p := filepath.Join(dir, "list.yaml")
		os.WriteFile(p, []byte("list: l\ndestinations:\n"+strings.Repeat("  - {host: 127.0.0.1, port: 9, protocol: tcp}\n", 100)), 0o644)
		return "  - probe: egress\n    params: {lists: [" + p + "]}\n"
	}
	fleet := func(n int) string {
		hosts := make([]string, n)
		for i := range hosts {
			hosts[i] = fmt.Sprintf("h%d", i)
		}
		return "targets:\n  - {name: f, kind: ssh, ssh: {user: u, key: k, known_hosts: kh}, hosts: [" + strings.Join(hosts, ", ") + "]}\n"
	}
	padded := "# " + strings.Repeat("x", 2<<20) + "\n" // a 2 MiB suite
	cases := []struct {
		name        string
		head, probe string
		list        bool
		flags       []string
		code        int
		says        string
	}{
		{name: "a suite over 1 MiB is refused", head: padded, probe: hostProbes(1), code: exitUsage, says: "s.yaml is too large: 2.0 MiB, more than 1.0 MiB (raise the bound with --limit suite-bytes=SIZE)"},
		{name: "--limit suite-bytes raises the bound", head: padded, probe: hostProbes(1), flags: []string{"--limit", "suite-bytes=3MiB"}, code: exitOK},
		{name: "257 probes are refused", probe: hostProbes(257), code: exitUsage, says: "s.yaml:3: probes: 257 probes, more than 256 (raise the bound with --limit probes=N)"},
		{name: "--limit probes raises the bound", probe: hostProbes(257), flags: []string{"--limit", "probes=300"}, code: exitOK},
		{name: "a fleet of 4097 hosts is refused before it is expanded", head: fleet(4097), probe: hostProbes(1), code: exitUsage, says: "targets: 4097 targets, more than 4096"},
		{name: "--limit targets lowers the bound", head: "targets: [{name: a}, {name: b}]\n", probe: hostProbes(1), flags: []string{"--limit", "targets=1"}, code: exitUsage, says: "2 targets, more than 1"},
		{name: "inline destinations count", probe: egress(3), flags: []string{"--limit", "destinations=2"}, code: exitUsage, says: "probes[0].params: destinations: 3 destinations, more than 2"},
		{name: "a destination list over list-bytes is refused", list: true, flags: []string{"--limit", "list-bytes=1KiB"}, code: exitUsage, says: "list.yaml is too large"},
		{name: "an unknown bound is a usage error", probe: hostProbes(1), flags: []string{"--limit", "probe=3"}, code: exitUsage, says: `unknown name "probe" (names: suite-bytes`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			probe := c.probe
			if c.list {
				probe = bigList(dir)
			}
			s := suiteWith(t, dir, c.head, probe)
			args := append([]string{"run", "-q", "--results-dir", filepath.Join(dir, "res")}, c.flags...)
			code, _, errs := sb(t, append(args, s)...)
			if code != c.code || !strings.Contains(errs, c.says) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errs, c.code, c.says)
			}
		})
	}
}

func TestResultsThatCannotBeWrittenFailBeforeAnyProbe(t *testing.T) {
	// The host probe of this fixture blocks in a read for the whole step
	// timeout (1m): a run that started its probes would not end in time.
	root := hangingRoot(t)
	t.Setenv(fixtureEnv, root)
	long := strings.Repeat("p", 300)
	cases := []struct {
		name, provider, target, resultsDir string
		code                               int
		says                               string
	}{
		{name: "a provider name of 300 characters", provider: long, code: exitUsage, says: "provider.name: name is 300 bytes long, more than 128"},
		{name: "a provider name with a control character", provider: `"a\u0007b"`, code: exitUsage, says: "provider.name: name holds the unprintable character U+0007"},
		{name: "an empty target name", provider: "prov", target: `""`, code: exitUsage, says: "targets[0].name: empty name"},
		{name: "a blank target name", provider: "prov", target: `"  "`, code: exitUsage, says: "targets[0].name: empty name"},
		{name: "a target name with a slash", provider: "prov", target: "a/b", code: exitUsage, says: "targets[0].name: \"a/b\" holds a '/'"},
		{name: "a results folder that cannot be made", provider: "prov", resultsDir: "/proc/sovbench-results", code: exitRuntime, says: "checking that reports can be stored"},
		{name: "a results folder name too long for the file system", provider: "prov", resultsDir: strings.Repeat("r", 300), code: exitRuntime, says: "file name too long; nothing was run"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			targets := ""
			if c.target != "" {
				targets = "targets: [{name: " + c.target + ", kind: local}]\n"
			}
			body := "suite: t\nprovider: {name: " + c.provider + "}\n" + targets + "probes: [{probe: host}]\nclaims: [{hypervisor.present: true}]\n"
			s := filepath.Join(dir, "s.yaml")
			os.WriteFile(s, []byte(body), 0o644)
			rd := c.resultsDir
			if rd == "" {
				rd = "res"
			}
			code, stderr, _ := realRun(t, dir, 30*time.Second, nil, "run", "--results-dir", rd, s)
			if code != c.code || !strings.Contains(stderr, c.says) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, c.code, c.says)
			}
		})
	}
}

func TestAReportLargerThanTheBoundIsRefusedBeforeItIsRead(t *testing.T) {
	dir, _ := fixtureResults(t)
	huge := filepath.Join(dir, "S3NS", "zz-huge.json")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(200 << 20) // 200 MB, sparse
	f.Close()
	for _, args := range [][]string{{"show", huge}, {"report", "markdown", huge}} {
		code, _, errs := sb(t, args...)
		if code != exitUsage || !strings.Contains(errs, "zz-huge.json is too large: 200 MiB, more than 64 MiB (raise the bound with --limit report-bytes=SIZE)") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
	code, stderr, rss := realRun(t, dir, time.Minute, nil, "compare", "-o", "csv", dir)
	if code != exitSkipped || !strings.Contains(stderr, "skipped "+huge) {
		t.Fatalf("compare: exit %d, stderr %q", code, stderr)
	}
	if rss > 150<<10 {
		t.Errorf("compare peak RSS %d MiB beside a 200 MB file, want it never read (< 150 MiB)", rss>>10)
	}
	if code, _, errs := sb(t, "compare", "--limit", "report-bytes=256MiB", dir); code != exitSkipped || !strings.Contains(errs, "invalid character") {
		t.Errorf("with the bound raised the file is read (and is not JSON): exit %d, %q", code, errs)
	}
}
