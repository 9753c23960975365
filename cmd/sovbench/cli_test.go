package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/results/sign"
)

// The conventions of docs/cli.md, each through the command line.
func TestCLIConventions(t *testing.T) {
	rd, keyDir, signed, plain := signedWorkflow(t)
	priv := filepath.Join(keyDir, sign.PrivateKeyFile)
	pub := filepath.Join(keyDir, sign.PublicKeyFile)
	notReport := filepath.Join(t.TempDir(), "notes.json")
	os.WriteFile(notReport, []byte(`{"hello": "world"}`), 0o644)
	suiteDir := filepath.Dir(rd)
	cases := []struct {
		name string
		args []string
		code int
		want string // on stderr
	}{
		{"--key on a verifying command names --trusted-key", []string{"verify", signed, "--key", pub}, exitUsage, "--trusted-key PUBLIC-KEY"},
		{"--key on a signing command names --signing-key", []string{"sign", plain, "--key", priv}, exitUsage, "--signing-key PRIVATE-KEY"},
		{"a private key handed to a verifier is refused", []string{"verify", signed, "--trusted-key", priv}, exitUsage, "holds a private key"},
		{"a public key handed to a signer is refused", []string{"sign", plain, "--signing-key", pub, "--out", filepath.Join(t.TempDir(), "x.json")}, exitUsage, "holds a public key"},
		{"booleans are true or false only", []string{"compare", rd, "--no-verify=no"}, exitUsage, `want true or false, found "no"`},
		{"a format the command cannot write is a usage error", []string{"index", "export", "-o", "csv", "--results-dir", rd}, exitUsage, "it writes jsonl"},
		{"an unknown format is a usage error", []string{"compare", rd, "-o", "yaml"}, exitUsage, "unknown output format"},
		{"show of a file that is not a report is a usage error", []string{"show", notReport}, exitUsage, ""},
		{"show of an unknown run id is a usage error", []string{"show", "ffffffff", "--results-dir", rd}, exitUsage, "no report file or run"},
		{"show with no results folder is a usage error", []string{"show", "0123abcd", "--results-dir", filepath.Join(t.TempDir(), "none")}, exitUsage, "no results in"},
		{"run of a directory is a usage error", []string{"run", suiteDir, "--results-dir", t.TempDir()}, exitUsage, ""},
		{"an empty suite says so", []string{"run", emptyFile(t), "--results-dir", t.TempDir()}, exitUsage, "the file is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errb := sb(t, tc.args...)
			if code != tc.code || !strings.Contains(errb, tc.want) {
				t.Fatalf("exit %d (want %d), stdout:\n%s\nstderr:\n%s", code, tc.code, out, errb)
			}
		})
	}
}

func emptyFile(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "empty.yaml")
	os.WriteFile(p, nil, 0o644)
	return p
}

// Run ids begin with their time: a prefix shared by two runs is refused
// with both as candidates, never resolved to one of them.
func TestAmbiguousRunIDListsCandidates(t *testing.T) {
	dir := t.TempDir()
	root := fixture(t, map[string]string{"proc/sys/kernel/osrelease": "6.1\n"})
	suite := writeSuite(t, dir, root, "  - hypervisor.present: true\n    require: no_fail\n")
	rd := filepath.Join(dir, "res")
	for range 2 {
		if code, _, errb := sb(t, "run", "-q", "--results-dir", rd, suite); code != exitOK {
			t.Fatalf("run exit %d: %s", code, errb)
		}
	}
	_, list, _ := sb(t, "index", "list", "-o", "csv", "--results-dir", rd)
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(list), "\n")[1:] {
		ids = append(ids, strings.Split(line, ",")[2])
	}
	if len(ids) != 2 {
		t.Fatalf("index list:\n%s", list)
	}
	common := 0
	for common < len(ids[0]) && ids[0][common] == ids[1][common] {
		common++
	}
	code, _, errb := sb(t, "show", ids[0][:common], "--results-dir", rd)
	if code != exitUsage || !strings.Contains(errb, "ambiguous") || !strings.Contains(errb, ids[0]) || !strings.Contains(errb, ids[1]) {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if code, out, errb := sb(t, "show", "-o", "csv", ids[1][:common+1], "--results-dir", rd); code != exitOK || !strings.Contains(out, "hypervisor.present") {
		t.Fatalf("a unique prefix: exit %d: %s %s", code, out, errb)
	}
}
