package main

import (
	"bufio"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/internal/buildinfo"
)

// TestReleaseScript runs scripts/release twice and checks what it promises:
// static linux/amd64 and linux/arm64 binaries of every command, SHA256SUMS
// that match them, the commit stamped into "version", and the same sums
// from a second build (reproducible).
func TestReleaseScript(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	head := gitOut(t, repo, "rev-parse", "HEAD")
	dirty := gitOut(t, repo, "status", "--porcelain", "--untracked-files=no") != ""
	first, second := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	for _, dir := range []string{first, second} {
		cmd := exec.Command(filepath.Join(repo, "scripts/release"), dir)
		cmd.Env = append(os.Environ(), "ALLOW_DIRTY=1", "VERSION=v9.9.9-test")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("scripts/release: %v\n%s", err, out)
		}
	}
	sums := readSums(t, filepath.Join(first, "SHA256SUMS"))
	for _, want := range []string{"sovbench-linux-amd64", "sovbench-linux-arm64", "sovbench-agent-linux-amd64", "sovbench-agent-linux-arm64"} {
		if _, ok := sums[want]; !ok {
			t.Errorf("SHA256SUMS lacks %s: %v", want, sums)
		}
	}
	for name, sum := range sums {
		checkBinary(t, filepath.Join(first, name), sum)
	}
	if a, b := readFile(t, first, "SHA256SUMS"), readFile(t, second, "SHA256SUMS"); a != b {
		t.Errorf("two builds of one tree differ:\n%s\n%s", a, b)
	}
	if runtime.GOARCH != "amd64" {
		return
	}
	wantVersion := "v9.9.9-test"
	if dirty {
		wantVersion += "-dirty"
	}
	for _, name := range []string{"sovbench", "sovbench-agent"} {
		out, err := exec.Command(filepath.Join(first, name+"-linux-amd64"), "version", "-o", "json").Output()
		if err != nil {
			t.Fatalf("%s version: %v", name, err)
		}
		var b buildinfo.Info
		if err := json.Unmarshal(out, &b); err != nil {
			t.Fatalf("%s version -o json: %v: %s", name, err, out)
		}
		if b.Name != name || b.Commit != head || b.Modified != dirty || b.Version != wantVersion || b.BuildDate == "" || b.GoVersion == "" {
			t.Errorf("%s version says %+v; want commit %s, modified %v, version %s", name, b, head, dirty, wantVersion)
		}
	}
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).Output()
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return strings.TrimSpace(string(out))
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readSums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("%s: bad line %q", path, sc.Text())
		}
		out[name] = sum
	}
	return out
}

// checkBinary checks one release binary: its SHA-256, its architecture
// (from its name) and that it is statically linked (no interpreter, no
// shared libraries).
func checkBinary(t *testing.T, path, wantSum string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != wantSum {
		t.Errorf("%s: SHA-256 differs from SHA256SUMS", path)
	}
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[path[strings.LastIndex(path, "-")+1:]]
	if f.Machine != want {
		t.Errorf("%s: machine %s, want %s", path, f.Machine, want)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s: dynamically linked (%s)", path, p.Type)
		}
	}
}
