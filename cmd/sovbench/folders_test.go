package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sovbench/sovbench/internal/atomicfile"
	"github.com/sovbench/sovbench/lab/labtest"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/results/store"
)

// badFiles writes, beside the good reports of rd, one file of each kind a
// folder command must skip: a truncated report, bytes that are not JSON,
// JSON that is not a report, and a 200 MB file (sparse) above the bound.
func badFiles(t *testing.T, rd, provider string) []string {
	t.Helper()
	good, _ := filepath.Glob(filepath.Join(rd, provider, "*.json"))
	body, err := os.ReadFile(good[0])
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(rd, provider)
	files := map[string][]byte{
		"zz-truncated.json": body[:len(body)/2],
		"zz-garbage.json":   {0xff, 0x00, 0x17},
		"zz-other.json":     []byte(`{"hello": "world"}`),
	}
	var out []string
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	huge := filepath.Join(dir, "zz-huge.json")
	f, _ := os.Create(huge)
	f.Truncate(200 << 20)
	f.Close()
	return append(out, huge)
}

// wantSkipped checks exit 4 and a warning naming each file.
func wantSkipped(t *testing.T, what string, code int, stderr string, files []string) {
	t.Helper()
	if code != exitSkipped {
		t.Errorf("%s: exit %d, want %d (files skipped); stderr:\n%s", what, code, exitSkipped, stderr)
	}
	for _, f := range files {
		if !strings.Contains(stderr, "warning: skipped "+f+": ") {
			t.Errorf("%s: no warning names %s; stderr:\n%s", what, f, stderr)
		}
	}
}

func TestFolderCommandsSkipABadFileAndGoOn(t *testing.T) {
	rd, reps := fixtureResults(t)
	every := badFiles(t, rd, "S3NS")
	for _, c := range []struct {
		name string
		args []string
	}{
		{"compare of a folder without an index", []string{"compare", "-o", "csv", rd}},
		{"compare --index, which creates the index", []string{"compare", "-o", "csv", "--index", "--results-dir", rd}},
		{"compare of a folder with its index", []string{"compare", "-o", "csv", rd}},
		{"index list", []string{"index", "list", "-o", "csv", "--results-dir", rd}},
		{"index export", []string{"index", "export", "--results-dir", rd}},
		{"index rebuild", []string{"index", "rebuild", "--results-dir", rd}},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := sb(t, c.args...)
			wantSkipped(t, c.name, code, errs, every)
			if c.args[1] == "rebuild" {
				if !strings.Contains(out, "indexed 2 of 6 report files") {
					t.Errorf("rebuild said %q", out)
				}
				return
			}
			for _, r := range reps {
				if !strings.Contains(out, r.Provider.Name) {
					t.Errorf("the good report of %s is missing:\n%s", r.Provider.Name, out)
				}
			}
		})
	}
	t.Run("show finds a good run among bad files", func(t *testing.T) {
		code, out, errs := sb(t, "show", "-o", "csv", "--results-dir", rd, reps[0].RunID)
		if code != exitOK || !strings.Contains(out, "operator.not_in") {
			t.Fatalf("exit %d, stderr %q", code, errs)
		}
	})
}

func TestVerifyOfAFolderSkipsWhatIsNotAReport(t *testing.T) {
	rd, keyDir, signed, plain := signedWorkflow(t)
	pub := filepath.Join(keyDir, sign.PublicKeyFile)
	os.Remove(plain) // the folder then holds the signed report only
	bad := badFiles(t, rd, "prov")
	notJSON := []string{}
	for _, f := range bad {
		if !strings.HasSuffix(f, "zz-other.json") {
			notJSON = append(notJSON, f)
		}
	}
	os.Remove(filepath.Join(rd, "prov", "zz-other.json"))
	code, out, errs := sb(t, "verify", "--trusted-key", pub, rd)
	wantSkipped(t, "verify DIR", code, errs, notJSON)
	if !strings.Contains(out, signed+": verified") || !strings.HasSuffix(out, "\n1 of 1 reports verified\n") {
		t.Errorf("the signed report was not verified, or the last line does not say so:\n%s", out)
	}
	// JSON that is not a signed report is not skipped: it fails to verify.
	os.WriteFile(filepath.Join(rd, "prov", "zz-other.json"), []byte(`{"hello": "world"}`), 0o644)
	if code, out, _ := sb(t, "verify", "--trusted-key", pub, rd); code != exitClaims || !strings.Contains(out, "zz-other.json: FAILED") || !strings.HasSuffix(out, "\n1 of 2 reports verified\n") {
		t.Errorf("verify DIR with a JSON file that is not a signed report: exit %d\n%s", code, out)
	}
	// A tampered signed report fails; skipping the bad files does not hide it.
	body, _ := os.ReadFile(signed)
	os.WriteFile(signed, bytes.Replace(body, []byte(`"payload": "`), []byte(`"payload": "A`), 1), 0o644)
	if code, out, _ := sb(t, "verify", "--trusted-key", pub, rd); code != exitClaims || !strings.Contains(out, signed+": FAILED") {
		t.Errorf("verify DIR with a tampered report: exit %d\n%s", code, out)
	}
}

func TestAReportFileThatTurnsBadLeavesTheIndex(t *testing.T) {
	rd, reps := fixtureResults(t)
	if code, _, errs := sb(t, "index", "rebuild", "--results-dir", rd); code != exitOK {
		t.Fatalf("rebuild: %d %s", code, errs)
	}
	file := store.ReportPath(rd, reps[1])
	os.WriteFile(file, []byte(`{"schema": "sovbench.report/v2", "run_id": "`), 0o644)
	code, out, errs := sb(t, "index", "list", "-o", "csv", "--results-dir", rd)
	wantSkipped(t, "index list", code, errs, []string{file})
	if strings.Contains(out, reps[1].RunID) {
		t.Errorf("the index still shows what the file no longer says:\n%s", out)
	}
}

// helperWriteEnv makes TestHelperKilledWrite write a large file through
// atomicfile.Write to the path it names, to be killed mid-write.
const helperWriteEnv = "SOVBENCH_TEST_KILLED_WRITE"

// TestHelperKilledWrite is not a test: it is the writer leftoverOf kills.
func TestHelperKilledWrite(t *testing.T) {
	if p := os.Getenv(helperWriteEnv); p != "" {
		atomicfile.Write(p, bytes.Repeat([]byte(" "), 64<<20), 0o644)
		os.Exit(0)
	}
}

// leftoverOf kills a writer of path with SIGKILL in the middle of its
// write and returns the temporary file it leaves.
func leftoverOf(t *testing.T, path string) string {
	t.Helper()
	for range 10 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperKilledWrite$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperWriteEnv+"="+path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var left []string
		for end := time.Now().Add(time.Minute); len(left) == 0 && time.Now().Before(end); time.Sleep(100 * time.Microsecond) {
			left, _ = filepath.Glob(filepath.Join(filepath.Dir(path), ".*.tmp-*"))
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		os.Remove(path) // the write may have finished first: then try again
		if len(left) == 1 {
			if _, err := os.Stat(left[0]); err == nil {
				return left[0]
			}
		}
	}
	t.Fatal("could not kill a writer mid-write in 10 attempts")
	return ""
}

func TestLeftoversOfAKilledWriteAreRemovedNeverRead(t *testing.T) {
	dir := t.TempDir()
	root := fixture(t, map[string]string{"proc/sys/kernel/osrelease": "6.1\n"})
	suite := writeSuite(t, dir, root, "  - hypervisor.present: true\n    require: no_fail\n")
	rd := filepath.Join(dir, "res")
	if code, _, errs := sb(t, "run", "-q", "--results-dir", rd, suite); code != exitOK {
		t.Fatalf("run: %d %s", code, errs)
	}
	left := leftoverOf(t, filepath.Join(rd, "prov", "20260101T000000Z-killed.json"))
	keys := filepath.Join(dir, "keys")
	sb(t, "key", "generate", "--out", keys)
	pub := filepath.Join(keys, sign.PublicKeyFile)
	for _, args := range [][]string{{"compare", rd}, {"index", "list", "--results-dir", rd}, {"verify", "--trusted-key", pub, rd}} {
		code, out, errs := sb(t, args...)
		if strings.Contains(out+errs, filepath.Base(left)) || code == exitSkipped {
			t.Errorf("%v read the leftover %s as a report: exit %d\n%s%s", args, left, code, out, errs)
		}
	}
	t.Run("the next write in that folder removes it", func(t *testing.T) {
		if code, _, errs := sb(t, "run", "-q", "--results-dir", rd, suite); code != exitOK {
			t.Fatalf("run: %d %s", code, errs)
		}
		if _, err := os.Stat(left); !os.IsNotExist(err) {
			t.Errorf("leftover %s is still there after the next run (%v)", left, err)
		}
	})
	t.Run("index rebuild removes it and says so", func(t *testing.T) {
		left := leftoverOf(t, filepath.Join(rd, "prov", "20260101T000000Z-killed.json"))
		code, out, errs := sb(t, "index", "rebuild", "--results-dir", rd)
		if code != exitOK || !strings.Contains(out, "removed "+left+", left by an interrupted write") {
			t.Errorf("rebuild: exit %d, out %q, err %q", code, out, errs)
		}
		if _, err := os.Stat(left); !os.IsNotExist(err) {
			t.Errorf("leftover %s is still there after index rebuild (%v)", left, err)
		}
	})
}

// readOnly runs this test binary as sovbench with dir mounted read-only
// (a bind mount in a mount namespace of its own, so nothing else sees it):
// a read-only folder for root too.
func readOnly(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script := `mount --bind -o ro "$1" "$1" && touch "$1/.probe" 2>/dev/null && exit 99; shift; exec "$@"`
	cmd := exec.Command("unshare", append([]string{"--mount", "--propagation", "private", "sh", "-c", script, "sh", dir, exe}, args...)...)
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Run()
	if cmd.ProcessState.ExitCode() == 99 {
		t.Fatal("the bind mount is writable: nothing would be tested")
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

func TestReadOnlyResultsFolders(t *testing.T) {
	labtest.RequireRoot(t) // mounts
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Fatal("unshare (util-linux) is missing")
	}
	rd, keyDir, signed, plain := signedWorkflow(t)
	pub := filepath.Join(keyDir, sign.PublicKeyFile)
	plainReps, err := store.LoadReports(plain)
	if err != nil {
		t.Fatal(err)
	}
	plainRep := plainReps[0]
	signedOnly := filepath.Join(t.TempDir(), "signed")
	os.MkdirAll(signedOnly, 0o755)
	body, _ := os.ReadFile(signed)
	os.WriteFile(filepath.Join(signedOnly, filepath.Base(signed)), body, 0o644)
	for _, withIndex := range []bool{false, true} {
		name := "without an index"
		if withIndex {
			name = "with an index"
			if code, _, errs := sb(t, "index", "rebuild", "--results-dir", rd); code != exitOK {
				t.Fatalf("rebuild: %d %s", code, errs)
			}
		} else {
			os.Remove(filepath.Join(rd, store.IndexName))
		}
		t.Run(name, func(t *testing.T) {
			for _, c := range []struct {
				args []string
				dir  string
				want string
			}{
				{[]string{"index", "list", "-o", "csv", "--results-dir", rd}, rd, plainRep.RunID},
				{[]string{"index", "export", "--results-dir", rd}, rd, plainRep.RunID},
				{[]string{"compare", "-o", "csv", "--no-verify", rd}, rd, "other"},
				{[]string{"compare", "-o", "csv", "--trusted-key", pub, "--index", "--results-dir", rd}, rd, "other"},
				{[]string{"show", "-o", "csv", "--results-dir", rd, plainRep.RunID}, rd, "hypervisor.present"},
				{[]string{"show", "-o", "csv", signed}, rd, "hypervisor.present"},
				{[]string{"report", "markdown", "--trusted-key", pub, signed}, rd, "signed by key"},
				{[]string{"verify", "--trusted-key", pub, signedOnly}, signedOnly, ": verified, signed by"},
			} {
				code, out, errs := readOnly(t, c.dir, c.args...)
				if code != exitOK || !strings.Contains(out, c.want) {
					t.Errorf("%v on a read-only folder: exit %d, stdout %q, stderr %q", c.args, code, out, errs)
				}
			}
		})
	}
	t.Run("run refuses a read-only folder before any probe", func(t *testing.T) {
		t.Setenv(fixtureEnv, hangingRoot(t))
		code, _, errs := readOnly(t, rd, "run", "--results-dir", rd, filepath.Join(filepath.Dir(rd), "suite.yaml"))
		if code != exitRuntime || !strings.Contains(errs, "read-only file system; nothing was run") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
}
