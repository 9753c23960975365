package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/internal/testreport"
)

// writeReports stores reps under dir and returns their records as an index
// holds them (paths relative to dir), oldest first.
func writeReports(t *testing.T, dir string, reps ...*results.Report) []RunRecord {
	t.Helper()
	var out []RunRecord
	for _, r := range reps {
		p, err := WriteReport(dir, r)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, RecordOf(r, rel))
	}
	sortRecords(out)
	return out
}

func sortRecords(rs []RunRecord) {
	for i := range rs {
		for j := i + 1; j < len(rs); j++ {
			if rs[j].Started.Before(rs[i].Started) {
				rs[i], rs[j] = rs[j], rs[i]
			}
		}
	}
}

func mustOpenIndex(t *testing.T, dir string) *Index {
	t.Helper()
	x, err := OpenIndex(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func checkRuns(t *testing.T, x *Index, want []RunRecord) {
	t.Helper()
	got, err := x.Runs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("index runs differ from the report files:\n got %+v\nwant %+v", got, want)
	}
}

func TestIndexRebuildsFromFiles(t *testing.T) {
	dir := t.TempDir()
	want := writeReports(t, dir, testreport.Clarence(), testreport.S3NS(), testreport.Variant(testreport.Clarence(), 3))
	x := mustOpenIndex(t, dir)
	if x.Recreated() != "missing" {
		t.Errorf("Recreated() = %q for a new index, want \"missing\"", x.Recreated())
	}
	st, err := x.Rebuild(t.Context())
	if err != nil || st.Files != 3 || st.Added != 3 || st.Removed != 0 || len(st.Skipped) != 0 {
		t.Fatalf("Rebuild = %+v, %v; want 3 files added", st, err)
	}
	checkRuns(t, x, want)
	// A second rebuild gives the same content.
	if _, err := x.Rebuild(t.Context()); err != nil {
		t.Fatal(err)
	}
	checkRuns(t, x, want)
}

func TestIndexInADirectoryWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a?b#c%20d e")
	want := writeReports(t, dir, testreport.S3NS())
	x := mustOpenIndex(t, dir)
	if _, err := x.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	checkRuns(t, x, want)
	if _, err := os.Stat(filepath.Join(dir, IndexName)); err != nil {
		t.Errorf("index not where it belongs: %v", err)
	}
}

func TestIndexSyncFollowsTheFiles(t *testing.T) {
	dir := t.TempDir()
	recs := writeReports(t, dir, testreport.Clarence(), testreport.S3NS())
	x := mustOpenIndex(t, dir)
	if _, err := x.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Run("unchanged files are not read again", func(t *testing.T) {
		st, err := x.Sync(t.Context())
		if err != nil || !reflect.DeepEqual(st, SyncStats{Files: 2}) {
			t.Errorf("Sync = %+v, %v; want 2 files, nothing added", st, err)
		}
	})
	t.Run("a new file is added", func(t *testing.T) {
		recs = append(recs, writeReports(t, dir, testreport.Variant(testreport.S3NS(), 5))...)
		sortRecords(recs)
		st, err := x.Sync(t.Context())
		if err != nil || st.Added != 1 {
			t.Errorf("Sync = %+v, %v; want 1 added", st, err)
		}
		checkRuns(t, x, recs)
	})
	t.Run("a deleted file drops its run", func(t *testing.T) {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(recs[0].Path))); err != nil {
			t.Fatal(err)
		}
		recs = recs[1:]
		st, err := x.Sync(t.Context())
		if err != nil || st.Removed != 1 {
			t.Errorf("Sync = %+v, %v; want 1 removed", st, err)
		}
		checkRuns(t, x, recs)
	})
	t.Run("a bad file is named and the rest still indexed", func(t *testing.T) {
		bad := filepath.Join(dir, "S3NS", "broken.json")
		os.WriteFile(bad, []byte(`{"schema": "sovbench.report/v2", "run_id": `), 0o644)
		defer os.Remove(bad)
		recs = append(recs, writeReports(t, dir, testreport.Variant(testreport.Clarence(), 9))...)
		sortRecords(recs)
		st, err := x.Sync(t.Context())
		if err != nil {
			t.Fatalf("Sync stopped at a bad file: %v", err)
		}
		if len(st.Skipped) != 1 || st.Skipped[0].Path != bad || st.Added != 1 {
			t.Errorf("Sync = %+v, want %s skipped and 1 added", st, bad)
		}
		checkRuns(t, x, recs)
	})
	t.Run("a file that turns bad drops its run from the index", func(t *testing.T) {
		// Otherwise the index would go on showing what the file no longer says.
		p := filepath.Join(dir, filepath.FromSlash(recs[0].Path))
		if err := os.WriteFile(p, []byte(`{"schema": "sovbench.report/v2", "run_`), 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := x.Sync(t.Context())
		if err != nil || st.Removed != 1 || len(st.Skipped) != 1 || st.Skipped[0].Path != p {
			t.Errorf("Sync = %+v, %v; want %s skipped and its run removed", st, err, p)
		}
		checkRuns(t, x, recs[1:])
	})
}

func TestIndexAddReplacesTheRun(t *testing.T) {
	dir := t.TempDir()
	x := mustOpenIndex(t, dir)
	r := testreport.Clarence()
	p, err := WriteReport(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := x.Add(t.Context(), p, r); err != nil {
			t.Fatal(err)
		}
	}
	checkRuns(t, x, []RunRecord{RecordOf(r, "Clarence/"+filepath.Base(p))})
	// Add recorded the file, so Sync has nothing to read.
	if st, err := x.Sync(t.Context()); err != nil || st.Added != 0 {
		t.Errorf("Sync after Add = %+v, %v; want nothing added", st, err)
	}
}

func TestIndexSurvivesMissingOrCorruptDatabase(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
		want   string // prefix of Recreated()
	}{
		{"a deleted index is recreated", func(t *testing.T, p string) {
			removeIndex(t, p)
		}, "missing"},
		{"a file that is not a database is replaced", func(t *testing.T, p string) {
			removeIndex(t, p)
			os.WriteFile(p, bytes.Repeat([]byte("not a database "), 500), 0o644)
		}, "corrupt"},
		{"a truncated database is replaced", func(t *testing.T, p string) {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			removeIndex(t, p)
			os.WriteFile(p, b[:len(b)/2], 0o644)
		}, "corrupt"},
		{"a database with damaged pages is replaced", func(t *testing.T, p string) {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			removeIndex(t, p)
			for i := 4096; i < len(b); i += 7 {
				b[i] ^= 0x5a
			}
			os.WriteFile(p, b, 0o644)
		}, "corrupt"},
		{"an index of another schema version is rebuilt", func(t *testing.T, p string) {
			db, err := sql.Open("sqlite", p)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
				t.Fatal(err)
			}
		}, "schema version 99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			want := writeReports(t, dir, testreport.Clarence(), testreport.S3NS())
			x, err := OpenIndex(t.Context(), dir)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := x.Sync(t.Context()); err != nil {
				t.Fatal(err)
			}
			// Checkpoint the WAL so the damage hits the data itself.
			if _, err := x.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				t.Fatal(err)
			}
			x.Close()
			tt.damage(t, filepath.Join(dir, IndexName))
			x = mustOpenIndex(t, dir)
			if !strings.HasPrefix(x.Recreated(), tt.want) {
				t.Errorf("Recreated() = %q, want it to start with %q", x.Recreated(), tt.want)
			}
			if _, err := x.Sync(t.Context()); err != nil {
				t.Fatal(err)
			}
			checkRuns(t, x, want)
		})
	}
}

func removeIndex(t *testing.T, path string) {
	t.Helper()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
}

func TestExportJSONLRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := writeReports(t, dir, testreport.Clarence(), testreport.S3NS(), testreport.Variant(testreport.S3NS(), 2))
	x := mustOpenIndex(t, dir)
	if _, err := x.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	n, err := x.ExportJSONL(t.Context(), &b)
	if err != nil || n != 3 {
		t.Fatalf("ExportJSONL = %d, %v; want 3 runs", n, err)
	}
	if lines := strings.Count(b.String(), "\n"); lines != 3 {
		t.Errorf("export has %d lines, want one per run (3)", lines)
	}
	got, err := ReadJSONL(&b, "export.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSONL round trip differs:\n got %+v\nwant %+v", got, want)
	}
	if len(got[0].Verdicts) != 4 || got[0].Verdicts[3].Status != results.StatusFail {
		t.Errorf("first run's verdicts did not survive the round trip: %+v", got[0].Verdicts)
	}
}

func TestReadJSONLNamesTheBadLine(t *testing.T) {
	in := `{"run_id": "a", "verdicts": []}` + "\n" + `{"run_id": "b", "pass": "x"}` + "\n"
	_, err := ReadJSONL(strings.NewReader(in), "runs.jsonl")
	if err == nil || !strings.Contains(err.Error(), "runs.jsonl:2:") {
		t.Errorf("ReadJSONL error = %v, want it to name runs.jsonl:2", err)
	}
}

// indexerEnv makes TestHelperIndexReports write and index reports into the
// directory it names, as a separate sovbench process would.
const indexerEnv = "SOVBENCH_TEST_INDEXER"

// TestHelperIndexReports is not a test: it is a child process of
// TestIndexSharedByProcesses. Its arguments come as "dir,first,count".
func TestHelperIndexReports(t *testing.T) {
	arg := os.Getenv(indexerEnv)
	if arg == "" {
		return
	}
	parts := strings.Split(arg, ",")
	first, _ := strconv.Atoi(parts[1])
	count, _ := strconv.Atoi(parts[2])
	if err := indexSome(context.Background(), parts[0], first, count); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// indexSome writes and indexes count reports, opening the index for each as
// `sovbench run` does.
func indexSome(ctx context.Context, dir string, first, count int) error {
	for i := first; i < first+count; i++ {
		r := testreport.Variant(testreport.Clarence(), i)
		p, err := WriteReport(dir, r)
		if err != nil {
			return err
		}
		x, err := OpenIndex(ctx, dir)
		if err != nil {
			return err
		}
		err = x.Add(ctx, p, r)
		x.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func TestIndexSharedByProcesses(t *testing.T) {
	dir := t.TempDir()
	const procs, each = 4, 8
	var wg sync.WaitGroup
	errs := make([]error, procs)
	for p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperIndexReports$", "-test.count=1")
			cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%d,%d", indexerEnv, dir, p*each, each))
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[p] = fmt.Errorf("indexer %d: %v: %s", p, err, out)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	x := mustOpenIndex(t, dir)
	runs, err := x.Runs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != procs*each {
		t.Errorf("index holds %d runs after %d processes added %d each, want %d", len(runs), procs, each, procs*each)
	}
	if st, err := x.Sync(t.Context()); err != nil || st.Files != procs*each || st.Added != 0 {
		t.Errorf("Sync = %+v, %v; want every file already indexed", st, err)
	}
}

func TestIndexUsesWAL(t *testing.T) {
	x := mustOpenIndex(t, t.TempDir())
	var mode string
	if err := x.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}
