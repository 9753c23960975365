package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/results/sign"
)

// Every file a command reads has its bound: a 2 GiB file (sparse, refused
// from its size) and /dev/zero (endless, cut one byte past the bound) are
// refused with the file's name and the --limit that raises the bound,
// whatever the command and whatever the file is to it.
func TestEveryFileACommandReadsIsBounded(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	f, err := os.OpenFile(big, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(2 << 30)
	f.Close()
	keys := filepath.Join(dir, "keys")
	if code, _, errs := sb(t, "key", "generate", "-q", "--out", keys); code != exitOK {
		t.Fatalf("key generate: %d %s", code, errs)
	}
	priv, pub := filepath.Join(keys, sign.PrivateKeyFile), filepath.Join(keys, sign.PublicKeyFile)
	rd, _ := fixtureResults(t)
	report, _ := filepath.Glob(filepath.Join(rd, "S3NS", "*.json"))
	for _, c := range []struct {
		limit string
		code  int
		args  func(file string) []string
	}{
		{"lab-bytes", exitUsage, func(f string) []string { return []string{"lab", "up", f} }},
		{"list-bytes", exitUsage, func(f string) []string { return []string{"landmarks", "list", f} }},
		{"list-bytes", exitUsage, func(f string) []string { return []string{"landmarks", "verify", "--trusted-key", pub, f} }},
		{"list-bytes", exitUsage, func(f string) []string { return []string{"landmarks", "sign", "--signing-key", priv, f} }},
		{"key-bytes", exitUsage, func(f string) []string { return []string{"sign", "--signing-key", f, report[0]} }},
		{"key-bytes", exitUsage, func(f string) []string { return []string{"verify", "--trusted-key", f, report[0]} }},
		{"key-bytes", exitUsage, func(f string) []string { return []string{"compare", "--trusted-key", f, report[0]} }},
		{"report-bytes", exitUsage, func(f string) []string { return []string{"sign", "--signing-key", priv, f} }},
		{"report-bytes", exitClaims, func(f string) []string { return []string{"verify", "--trusted-key", pub, f} }},
		{"report-bytes", exitUsage, func(f string) []string { return []string{"show", f} }},
		{"suite-bytes", exitUsage, func(f string) []string { return []string{"run", "--results-dir", filepath.Join(dir, "res"), f} }},
	} {
		for _, file := range []string{big, "/dev/zero"} {
			args := c.args(file)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, out, errs := sb(t, args...)
				want := file + " is too large: "
				tail := "(raise the bound with --limit " + c.limit + "=SIZE)"
				if code != c.code || !strings.Contains(out+errs, want) || !strings.Contains(out+errs, tail) {
					t.Errorf("exit %d, output %q%q; want exit %d naming %s and %s", code, out, errs, c.code, file, tail)
				}
			})
		}
	}
}
