package store

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/internal/testreport"
)

// helperDirEnv makes TestHelperWriteLargeReport write a large report into
// the directory it names; the kill test runs this test binary that way.
const helperDirEnv = "SOVBENCH_TEST_WRITE_REPORT_DIR"

// TestHelperWriteLargeReport is not a test: it is the child process of
// TestWriteReportKilledMidWrite.
func TestHelperWriteLargeReport(t *testing.T) {
	dir := os.Getenv(helperDirEnv)
	if dir == "" {
		return // not running as the helper
	}
	if _, err := WriteReport(dir, largeReport()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// largeReport is about 40 MB of JSON, so that writing and syncing it takes
// long enough to be killed in the middle.
func largeReport() *results.Report {
	r := testreport.Clarence()
	obs := make([]results.Observation, 300_000)
	for i := range obs {
		obs[i] = results.Observation{At: results.Duration(i) * results.Duration(time.Microsecond), Operation: "connect",
			Address: fmt.Sprintf("198.18.%d.%d:443", i/256%256, i%256), Took: results.Duration(3 * time.Second),
			Failure: &results.Failure{Class: results.ClassTimeout, Operation: "connect", Message: "i/o timeout"}}
	}
	r.Evidence[3].Observations = obs
	return r
}

func TestWriteReportKilledMidWrite(t *testing.T) {
	// A kill can land before the temporary file is complete (the case this
	// test is about) or after the rename; retry until the first is seen.
	const attempts = 5
	for i := 1; i <= attempts; i++ {
		dir := t.TempDir()
		midWrite := killWriter(t, dir)
		final := ReportPath(dir, testreport.Clarence())
		temps, _ := filepath.Glob(filepath.Join(filepath.Dir(final), ".*.tmp-*"))
		_, statErr := os.Stat(final)
		switch {
		case statErr == nil:
			// Killed after the rename: the whole report must be there.
			if r, err := ReadReport(t.Context(), final, limits.Limits{}); err != nil || len(r.Evidence[3].Observations) != 300_000 {
				t.Fatalf("report after a late kill is not whole: %v", err)
			}
		case midWrite:
			if len(temps) == 0 {
				t.Fatalf("killed mid-write but no temporary file is left: nothing was tested")
			}
			// No report file, and the temporary file is invisible to readers.
			if reps, err := LoadReports(dir); err == nil || !strings.Contains(err.Error(), "no reports found") {
				t.Fatalf("LoadReports after a kill mid-write = %d reports, %v; want \"no reports found\"", len(reps), err)
			}
			x, err := OpenIndex(t.Context(), dir)
			if err != nil {
				t.Fatal(err)
			}
			st, err := x.Sync(t.Context())
			x.Close()
			if err != nil || st.Files != 0 || len(st.Skipped) != 0 {
				t.Fatalf("index sync after a kill mid-write saw %d files, error %v; want 0, nil", st.Files, err)
			}
			return
		default:
			t.Fatalf("no report and not killed mid-write: %v", statErr)
		}
		t.Logf("attempt %d of %d: the write finished before the kill", i, attempts)
	}
	t.Fatalf("could not kill the writer mid-write in %d attempts", attempts)
}

// killWriter starts a helper process writing a large report into dir and
// kills it with SIGKILL as soon as its temporary file appears. It reports
// whether the kill came while the temporary file existed.
func killWriter(t *testing.T, dir string) (midWrite bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriteLargeReport$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperDirEnv+"="+dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	provider := filepath.Dir(ReportPath(dir, testreport.Clarence()))
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if temps, _ := filepath.Glob(filepath.Join(provider, ".*.tmp-*")); len(temps) > 0 {
			midWrite = true
			break
		}
		if processExited(cmd) {
			break
		}
		time.Sleep(200 * time.Microsecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	err := cmd.Wait()
	if !midWrite && err != nil && !strings.Contains(err.Error(), "killed") {
		t.Fatalf("helper failed: %v: %s", err, stderr.String())
	}
	return midWrite
}

// processExited says whether cmd's process is gone (reaped or a zombie).
func processExited(cmd *exec.Cmd) bool {
	var ws syscall.WaitStatus
	pid, err := syscall.Wait4(cmd.Process.Pid, &ws, syscall.WNOHANG|syscall.WNOWAIT, nil)
	return err == nil && pid == cmd.Process.Pid
}

func TestWriteReportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := testreport.Clarence()
	path, err := WriteReport(dir, want)
	if err != nil {
		t.Fatal(err)
	}
	if wantPath := filepath.Join(dir, "Clarence", "20261123T093000Z-"+want.RunID+".json"); path != wantPath {
		t.Errorf("WriteReport path = %s, want %s", path, wantPath)
	}
	got, err := ReadReport(t.Context(), path, limits.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report changed in a write/read round trip")
	}
	left, _ := filepath.Glob(filepath.Join(dir, "Clarence", ".*"))
	if len(left) != 0 {
		t.Errorf("temporary files left after a successful write: %v", left)
	}
}

func TestLoadReportsNamesTheBadFile(t *testing.T) {
	good, _ := json.Marshal(testreport.Clarence())
	tests := []struct {
		name string
		body string
		want string // the error must contain this, after the file's path
	}{
		{"a truncated file gives its line and column", "{\n  \"schema\": \"sovbench.report/v2\",\n  \"run_id\": ", ":3:13: unexpected end"},
		{"a field of the wrong type is named", "{\"schema\": \"sovbench.report/v2\",\n\"run_id\": \"x\",\n\"status\": 5}", ":3:12: status: "},
		{"another schema is refused", `{"schema": "sovbench.report/v0", "run_id": "x"}`, `: schema: "sovbench.report/v0", want "sovbench.report/v2"`},
		{"a report without a run id is refused", `{"schema": "sovbench.report/v2"}`, ": run_id: missing"},
		{"a key given twice is refused", `{"schema": "sovbench.report/v2", "run_id": "x", "run_id": "y"}`, `: duplicate key "run_id"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "p"), 0o755)
			os.WriteFile(filepath.Join(dir, "p", "a-good.json"), good, 0o644)
			bad := filepath.Join(dir, "p", "b-bad.json")
			os.WriteFile(bad, []byte(tt.body), 0o644)
			_, err := LoadReports(dir)
			if err == nil {
				t.Fatal("LoadReports accepted a bad file")
			}
			if !strings.Contains(err.Error(), bad+tt.want) {
				t.Errorf("error %q does not contain %q", err, bad+tt.want)
			}
		})
	}
}

func TestLoadReportsSkipsHiddenTestdataAndKeyFolders(t *testing.T) {
	dir := t.TempDir()
	if _, err := WriteReport(dir, testreport.Clarence()); err != nil {
		t.Fatal(err)
	}
	// demo-key/ holds a key, so it is a key folder: its TEE test signers'
	// JSON files are not reports. A folder without a key is searched.
	os.MkdirAll(filepath.Join(dir, "demo-key"), 0o755)
	os.WriteFile(filepath.Join(dir, "demo-key", "sovbench.pub"), []byte("key"), 0o644)
	for _, junk := range []string{"Clarence/.x.json.tmp-123", "Clarence/.hidden.json", ".cache/r.json", "sub/testdata/r.json",
		"demo-key/tee/gcp-eu/signer.json"} {
		p := filepath.Join(dir, junk)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("{partial"), 0o644)
	}
	reps, err := LoadReports(dir)
	if err != nil || len(reps) != 1 {
		t.Fatalf("LoadReports = %d reports, %v; want 1, nil", len(reps), err)
	}
}
