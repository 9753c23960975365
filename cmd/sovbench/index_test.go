package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/store"
)

// fixtureResults copies the results package's two golden-test reports
// (Clarence on two hosts, S3NS on one) into a new results directory.
func fixtureResults(t *testing.T) (dir string, reps []*results.Report) {
	t.Helper()
	reps, err := store.LoadReports(filepath.Join("..", "..", "results", "testdata", "reports"))
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	for _, r := range reps {
		if _, err := store.WriteReport(dir, r); err != nil {
			t.Fatal(err)
		}
	}
	return dir, reps
}

// sb runs the command line in process and returns exit code, stdout, stderr.
func sb(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := execute(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunIndexesTheReport(t *testing.T) {
	dir := t.TempDir()
	root := fixture(t, map[string]string{"proc/sys/kernel/osrelease": "6.1\n"})
	suite := writeSuite(t, dir, root, "  - hypervisor.present: true\n")
	rd := filepath.Join(dir, "res")
	for range 2 {
		// The verdict depends on the machine's CPUID; only a runtime error counts.
		if code, _, errs := sb(t, "run", "-q", "--results-dir", rd, suite); code != exitOK && code != exitClaims {
			t.Fatalf("run exit %d: %s", code, errs)
		}
	}
	x, err := store.OpenIndex(t.Context(), rd)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if x.Recreated() != "" {
		t.Errorf("run left no usable index: %s", x.Recreated())
	}
	runs, err := x.Runs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	reps, _ := store.LoadReports(rd)
	if len(runs) != 2 || len(reps) != 2 {
		t.Fatalf("index holds %d runs for %d report files, want 2 and 2", len(runs), len(reps))
	}
	for _, r := range runs {
		if r.Provider != "prov" || len(r.Verdicts) != 1 || r.Verdicts[0].Claim != "hypervisor.present" {
			t.Errorf("indexed run %+v does not match the suite", r)
		}
	}
}

func TestRunKeepsTheReportWhenIndexingFails(t *testing.T) {
	dir := t.TempDir()
	root := fixture(t, map[string]string{"proc/sys/kernel/osrelease": "6.1\n"})
	suite := writeSuite(t, dir, root, "  - hypervisor.present: true\n")
	rd := filepath.Join(dir, "res")
	// A directory where the index file should be: SQLite cannot open it.
	if err := os.MkdirAll(filepath.Join(rd, store.IndexName), 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, errs := sb(t, "run", "--results-dir", rd, suite)
	if code != exitOK && code != exitClaims {
		t.Fatalf("run exit %d, want the claims' verdict (an index failure must not fail the run): %s", code, errs)
	}
	if !strings.Contains(errs, "not indexed") {
		t.Errorf("stderr does not warn that the report was not indexed: %s", errs)
	}
	if reps, err := store.LoadReports(rd); err != nil || len(reps) != 1 {
		t.Errorf("report files after an index failure: %d, %v; want 1", len(reps), err)
	}
}

func TestIndexCommands(t *testing.T) {
	dir, reps := fixtureResults(t)
	t.Run("rebuild indexes every report file", func(t *testing.T) {
		code, out, errs := sb(t, "index", "rebuild", "--results-dir", dir)
		if code != exitOK || !strings.Contains(out, "indexed 2 of 2 report files") {
			t.Fatalf("index rebuild exit %d, out %q, err %q", code, out, errs)
		}
	})
	t.Run("list shows every run", func(t *testing.T) {
		code, out, _ := sb(t, "index", "list", "-o", "csv", "--results-dir", dir)
		if code != exitOK || strings.Count(out, "\n") != 3 || !strings.Contains(out, reps[0].RunID) || !strings.Contains(out, reps[1].RunID) {
			t.Errorf("index list exit %d:\n%s", code, out)
		}
	})
	t.Run("export writes one run per line that reads back", func(t *testing.T) {
		code, out, errs := sb(t, "index", "export", "-o", "jsonl", "--results-dir", dir)
		if code != exitOK {
			t.Fatalf("export exit %d: %s", code, errs)
		}
		runs, err := store.ReadJSONL(strings.NewReader(out), "stdout")
		if err != nil || len(runs) != 2 {
			t.Fatalf("export read back as %d runs, %v", len(runs), err)
		}
		for i, r := range runs {
			want := store.RecordOf(reps[i], runs[i].Path)
			if r.RunID != want.RunID || len(r.Verdicts) != len(want.Verdicts) || r.Fail != want.Fail {
				t.Errorf("exported run %d = %+v, want %+v", i, r, want)
			}
		}
	})
	t.Run("export to a file writes the same lines", func(t *testing.T) {
		_, stdout, _ := sb(t, "index", "export", "--results-dir", dir)
		f := filepath.Join(t.TempDir(), "runs.jsonl")
		if code, _, errs := sb(t, "index", "export", "--out", f, "--results-dir", dir); code != exitOK {
			t.Fatalf("export --out exit %d: %s", code, errs)
		}
		if b, _ := os.ReadFile(f); string(b) != stdout {
			t.Errorf("export file differs from standard output:\n%s\n%s", b, stdout)
		}
	})
	t.Run("an unknown export format is a usage error", func(t *testing.T) {
		if code, _, _ := sb(t, "index", "export", "-o", "csv", "--results-dir", dir); code != exitUsage {
			t.Errorf("exit %d, want %d", code, exitUsage)
		}
	})
	t.Run("rebuild names a bad file and still indexes the rest", func(t *testing.T) {
		bad := filepath.Join(dir, "S3NS", "garbage.json")
		os.WriteFile(bad, []byte("{"), 0o644)
		defer os.Remove(bad)
		os.Remove(filepath.Join(dir, store.IndexName))
		code, out, errs := sb(t, "index", "rebuild", "--results-dir", dir)
		if code != exitSkipped || !strings.Contains(errs, "warning: skipped "+bad) || !strings.Contains(out, "indexed 2 of 3") {
			t.Errorf("rebuild with a bad file: exit %d, out %q, err %q", code, out, errs)
		}
	})
}

func TestSIGINTMidRunStillIndexesTheReport(t *testing.T) {
	dir := t.TempDir()
	suite := writeSuite(t, dir, hangingRoot(t), "  - hypervisor.present: true\n")
	cmd := sovbench(t, dir, "run", "-q", "--results-dir", "res", suite)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // let the probe block in its read
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	x, err := store.OpenIndex(t.Context(), filepath.Join(dir, "res"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	runs, err := x.Runs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if x.Recreated() != "" || len(runs) != 1 || runs[0].Status != results.RunIncomplete {
		t.Fatalf("index after SIGINT (recreated %q): %+v; want one incomplete run", x.Recreated(), runs)
	}
}
