package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/store"
)

// The test binary doubles as the sovbench command when this is set, so
// signal handling and exit codes are tested on a real process.
const mainEnv = "SOVBENCH_TEST_MAIN"

// fixtureEnv passes a test's host fixture (localEnv) to the test binary
// doubling as sovbench; the sovbench binary itself never reads it.
const fixtureEnv = "SOVBENCH_TEST_LAB_FIXTURE"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		localEnv.LabFixture = os.Getenv(fixtureEnv)
		if p := os.Getenv(peakEnv); p != "" {
			os.Exit(mainRecordingPeak(p))
		}
		main()
	}
	os.Exit(m.Run())
}

// sovbench starts this test binary as the sovbench command.
func sovbench(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	return cmd
}

// writeSuite writes a suite whose host probe reads fixture files under root:
// no suite can name a tree, so the test's local runs get root as their lab
// fixture (localEnv in process, fixtureEnv for sovbench subprocesses).
func writeSuite(t *testing.T, dir, root string, claims string) string {
	t.Helper()
	useFixture(t, root)
	path := filepath.Join(dir, "suite.yaml")
	body := "suite: t\nprovider: {name: prov}\nbudget: 1m\nprobes:\n  - probe: host\n    timeout: 1m\nclaims:\n" + claims
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// useFixture makes root the host fixture of this test's local runs.
func useFixture(t *testing.T, root string) {
	t.Helper()
	prev := localEnv
	localEnv.LabFixture = root
	t.Cleanup(func() { localEnv = prev })
	t.Setenv(fixtureEnv, root)
}

// fixture writes a host tree; it always says what CPUID would (a KVM guest:
// a hypervisor seen passes hypervisor.present: true, while none seen could
// only be inconclusive),
// since a tree is not the running machine.
func fixture(t *testing.T, files map[string]string) string {
	t.Helper()
	return fixtureAt(t, t.TempDir(), files)
}

// fixtureAt writes the host tree of fixture at root.
func fixtureAt(t *testing.T, root string, files map[string]string) string {
	t.Helper()
	files[".sovbench/cpuid"] = "hypervisor_bit: 1\nhypervisor_signature: KVMKVMKVM\nvendor: GenuineIntel\n"
	for p, body := range files {
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestExitCodes(t *testing.T) {
	root := fixture(t, map[string]string{"proc/sys/kernel/osrelease": "6.1\n"})
	cases := []struct {
		name   string
		claims string
		args   func(suite string) []string
		want   int
	}{
		{"every claim passed gives 0", "  - hypervisor.present: true\n", func(s string) []string { return []string{"run", "-q", s} }, exitOK},
		{"a failed claim gives 1", "  - hypervisor.present: false\n", func(s string) []string { return []string{"run", "-q", s} }, exitClaims},
		{"inconclusive where a pass is required gives 1", "  - metadata.service_not_in: [aws]\n", func(s string) []string { return []string{"run", "-q", s} }, exitClaims},
		{"inconclusive tolerated by no_fail gives 0", "  - metadata.service_not_in: [aws]\n    require: no_fail\n", func(s string) []string { return []string{"run", "-q", s} }, exitOK},
		{"an invalid suite gives 2", "  - nonsense.claim: 1\n", func(s string) []string { return []string{"run", s} }, exitUsage},
		{"a missing suite file gives 2", "  - hypervisor.present: true\n", func(string) []string { return []string{"run", "nope.yaml"} }, exitUsage},
		{"an unknown flag gives 2", "  - hypervisor.present: true\n", func(s string) []string { return []string{"run", "--frobnicate", s} }, exitUsage},
		{"an unknown output format gives 2", "  - hypervisor.present: true\n", func(s string) []string { return []string{"run", "-o", "yaml", s} }, exitUsage},
		{"an unreadable results directory gives 3", "  - hypervisor.present: true\n", func(s string) []string { return []string{"run", "-q", "--results-dir", "/proc/sovbench", s} }, exitRuntime},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			suite := writeSuite(t, dir, root, c.claims)
			var stdout, stderr bytes.Buffer
			args := c.args(suite)
			if !slices.Contains(args, "--results-dir") {
				args = append(args, "--results-dir", filepath.Join(dir, "res"))
			}
			code := execute(context.Background(), args, &stdout, &stderr)
			if code != c.want {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.want, stdout.String(), stderr.String())
			}
		})
	}
}

func TestEveryCommandsHelpHasAnExample(t *testing.T) {
	a := &app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	root := a.rootCommand()
	for _, c := range append(root.Commands(), root) {
		if c.Name() == "help" || c.Name() == "completion" || c.Hidden {
			continue
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("command %q has no example in its --help", c.Name())
		}
		for _, sub := range c.Commands() {
			if strings.TrimSpace(sub.Example) == "" {
				t.Errorf("command %q %q has no example in its --help", c.Name(), sub.Name())
			}
		}
	}
}

func TestRunWritesAReportThatShowAndCompareRead(t *testing.T) {
	dir := t.TempDir()
	root := fixture(t, map[string]string{"proc/sys/kernel/osrelease": "6.1\n"})
	suite := writeSuite(t, dir, root, "  - hypervisor.present: true\n")
	rd := filepath.Join(dir, "res")
	var out, errb bytes.Buffer
	if code := execute(context.Background(), []string{"run", "--results-dir", rd, "-o", "json", suite}, &out, &errb); code != exitOK {
		t.Fatalf("run exit %d: %s", code, errb.String())
	}
	reps, err := store.LoadReports(rd)
	if err != nil || len(reps) != 1 {
		t.Fatalf("reports in %s: %v %v", rd, reps, err)
	}
	files, _ := filepath.Glob(filepath.Join(rd, "prov", "*.json"))
	if len(files) != 1 {
		t.Fatalf("report files = %v", files)
	}
	out.Reset()
	if code := execute(context.Background(), []string{"show", "-o", "csv", files[0]}, &out, &errb); code != exitOK || !strings.Contains(out.String(), "hypervisor.present") {
		t.Fatalf("show exit %d output %q", code, out.String())
	}
	out.Reset()
	if code := execute(context.Background(), []string{"compare", "-o", "markdown", rd}, &out, &errb); code != exitOK || !strings.Contains(out.String(), "| prov") {
		t.Fatalf("compare exit %d output %q", code, out.String())
	}
}

// hangingRoot returns a fixture whose kernel release is a FIFO nobody
// writes: the host probe blocks in a read that no context can cancel.
func hangingRoot(t *testing.T) string {
	t.Helper()
	root := fixture(t, map[string]string{"sys/class/dmi/id/sys_vendor": "Example\n"})
	p := filepath.Join(root, "proc/sys/kernel/osrelease")
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestSIGINTMidRunLeavesAValidIncompleteReport(t *testing.T) {
	dir := t.TempDir()
	root := hangingRoot(t)
	suite := writeSuite(t, dir, root, "  - hypervisor.present: true\n")
	cmd := sovbench(t, dir, "run", "-q", "--results-dir", "res", suite)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The probe is in its read once a writer can open the FIFO without
	// blocking (a reader has it open); a fixed sleep was too short on a
	// loaded machine (the signal came before the handler).
	fifo := filepath.Join(root, "proc/sys/kernel/osrelease")
	var w *os.File
	for deadline := time.Now().Add(30 * time.Second); w == nil; time.Sleep(10 * time.Millisecond) {
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w = f
		} else if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the probe never opened %s: %v", fifo, err)
		}
	}
	defer w.Close()
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitRuntime {
		t.Fatalf("exit = %v, want %d; stderr: %s", err, exitRuntime, stderr.String())
	}
	reps, err := store.LoadReports(filepath.Join(dir, "res"))
	if err != nil || len(reps) != 1 {
		t.Fatalf("reports after SIGINT: %v (%v)", reps, err)
	}
	rep := reps[0]
	if rep.Status != results.RunIncomplete || !strings.Contains(rep.Interruption, "interrupted") {
		t.Errorf("status = %s (%q), want incomplete/interrupted", rep.Status, rep.Interruption)
	}
	if f := rep.Evidence[0].Failure; f == nil || f.Class != results.ClassInterrupted {
		t.Errorf("evidence failure = %v, want interrupted", f)
	}
}

func TestKill9MidRunLeavesNoPartialFile(t *testing.T) {
	dir := t.TempDir()
	suite := writeSuite(t, dir, hangingRoot(t), "  - hypervisor.present: true\n")
	cmd := sovbench(t, dir, "run", "-q", "--results-dir", "res", suite)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Kill()
	cmd.Wait()
	var found []string
	filepath.Walk(filepath.Join(dir, "res"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && !strings.HasPrefix(fi.Name(), "index.sqlite") {
			found = append(found, p)
		}
		return nil
	})
	if len(found) != 0 {
		t.Errorf("files left after kill -9: %v", found)
	}
}
