package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sovbench/sovbench/lab/labtest"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/render"
	"github.com/sovbench/sovbench/results/sign"
)

// TestDemoWritesVerifiableReports runs a narrowed demo twice as the real
// command: every report it leaves verifies with the demo key, has its HTML
// page, and the second run reuses the key the first generated.
func TestDemoWritesVerifiableReports(t *testing.T) {
	labtest.RequireRoot(t)
	dir := t.TempDir()
	args := []string{"demo", "--results-dir", dir, "--agent", labtest.Binary(t), "--name", labtest.UniqueName("demo"),
		"--provider", "clarence,azure-eu", "--suite", "disconnected,jurisdiction"}
	var stderr bytes.Buffer
	cmd := sovbench(t, dir, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("demo: %v\n%s\n%s", err, out, stderr.Bytes())
	}
	for _, want := range []string{"egress.disconnected: true", "jurisdiction.not_subject_to: [US]", "clarence", "azure-eu", "suite disconnected", "Signatures: all verified"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	fits(t, "the demo's table", string(out), 120)
	if e := stderr.String(); strings.ContainsAny(e, "\r\x1b") || strings.Contains(e, "probes ") {
		t.Errorf("the demo's progress reached a pipe:\n%q", e)
	}
	pub := filepath.Join(dir, "demo-key", "sovbench.pub")
	cmp, err := sovbench(t, dir, "compare", "--trusted-key", pub, dir).Output()
	if err != nil || !strings.Contains(string(cmp), "Signatures: all verified") {
		t.Fatalf("compare after the demo: %v\n%s", err, cmp)
	}
	fits(t, "compare on the demo's reports", string(cmp), 120)
	readRecordsBack(t, dir, pub)
	// README: the site right after the demo, from the results folder as is.
	site := filepath.Join(t.TempDir(), "site")
	if out, err := sovbench(t, dir, "report", "site", dir, "--trusted-key", pub, "--out", site).CombinedOutput(); err != nil {
		t.Fatalf("report site after the demo: %v\n%s", err, out)
	}
	if pages, _ := filepath.Glob(filepath.Join(site, "reports", "*.html")); len(pages) != 4 {
		t.Errorf("the site has %d report pages, want 4", len(pages))
	}
	key, err := os.ReadFile(pub)
	if err != nil {
		t.Fatal(err)
	}
	reports, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if len(reports) != 4 {
		t.Fatalf("%d reports, want 2 providers × 2 suites: %v", len(reports), reports)
	}
	for _, r := range reports {
		if out, err := sovbench(t, dir, "verify", "--trusted-key", pub, r).CombinedOutput(); err != nil {
			t.Errorf("verify %s: %v\n%s", r, err, out)
		}
		if _, err := os.Stat(strings.TrimSuffix(r, ".json") + ".html"); err != nil {
			t.Errorf("no HTML page for %s: %v", r, err)
		}
	}
	noLocalPaths(t, reports, dir)
	args[len(args)-1] = "trusted-cloud"
	out, err = sovbench(t, dir, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("second demo: %v\n%s", err, out)
	}
	if again, _ := os.ReadFile(pub); string(again) != string(key) {
		t.Fatal("the second run replaced the demo key")
	}
	checkDemoTEE(t, dir, pub, string(out), reports)
	all, _ := filepath.Glob(filepath.Join(dir, "*", "*.json")) // both runs', TEE records included
	verifyElsewhere(t, dir, pub, all)
}

// checkDemoTEE: azure-eu sells confidential VMs, so its trusted-cloud run
// holds a test-signed TDX quote; the table shows the TEE claims and
// sovbench verify re-evaluates them from the signed report.
func checkDemoTEE(t *testing.T, dir, pub, table string, before []string) {
	t.Helper()
	for _, want := range []string{"tee.required: {kind: tdx", "tee.measurement:", "tee.endorsed_by:"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
	all, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	var tees int
	for _, r := range all {
		if slices.Contains(before, r) {
			continue
		}
		data, err := os.ReadFile(r)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := sign.ReadUnverified(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range rep.Evidence {
			if ev.TEE != nil && ev.TEE.Kind == "tdx" && ev.TEE.TestSigned {
				tees++
			}
		}
		if out, err := sovbench(t, dir, "verify", "--trusted-key", pub, r).CombinedOutput(); err != nil {
			t.Errorf("verify %s: %v\n%s", r, err, out)
		}
	}
	if tees != 1 {
		t.Errorf("%d test-signed TDX records in the trusted-cloud reports, want azure-eu's one", tees)
	}
}

// verifyElsewhere is the demo's reports on another machine: copied with
// nothing but the public key into a fresh directory, the demo's own
// directory (its TPM state and software TPM CAs included) gone, each one
// verifies, and none names the TPM state directory.
func verifyElsewhere(t *testing.T, dir, pub string, reports []string) {
	t.Helper()
	elsewhere, tpmDir := t.TempDir(), filepath.Join(dir, "demo-key", "tpm")
	copyFile := func(from string) string {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(from, ".json") {
			rep, err := sign.ReadUnverified(b)
			if err != nil {
				t.Fatal(err)
			}
			if js, _ := json.Marshal(rep); strings.Contains(string(js), tpmDir) {
				t.Errorf("%s names the local TPM directory %s", from, tpmDir)
			}
		}
		to := filepath.Join(elsewhere, filepath.Base(from))
		if err := os.WriteFile(to, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return to
	}
	key := copyFile(pub)
	var copies []string
	for _, r := range reports {
		copies = append(copies, copyFile(r))
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for _, c := range copies {
		cmd := sovbench(t, elsewhere, "verify", "--trusted-key", key, filepath.Base(c))
		cmd.Env = append(cmd.Env, "HOME="+elsewhere)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("verify %s elsewhere: %v\n%s", filepath.Base(c), err, out)
		}
	}
}

// noLocalPaths fails if a report or its HTML page names a place on the
// machine that ran the demo: the seed lab's temporary directory (host
// fixtures), a CA file, the clone sovbench was built in or the results
// directory. Signed reports travel; such names cannot be taken
// out once signed and would expose the auditor's file system.
func noLocalPaths(t *testing.T, reports []string, resultsDir string) {
	t.Helper()
	clone, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	locals := []string{os.TempDir() + "/sovbench-seed-", "lab-ca.pem", "ca_file", clone + "/", resultsDir}
	for _, r := range reports {
		data, err := os.ReadFile(r)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := sign.ReadUnverified(data)
		if err != nil {
			t.Fatal(err)
		}
		payload, _ := json.Marshal(rep)
		page, _ := os.ReadFile(strings.TrimSuffix(r, ".json") + ".html")
		for name, text := range map[string]string{r: string(payload), r + " (HTML)": string(page)} {
			for _, local := range locals {
				if i := strings.Index(text, local); i >= 0 {
					t.Errorf("%s names %q: …%s…", name, local, text[max(0, i-80):min(len(text), i+80)])
				}
			}
		}
	}
}

// fits fails if a line of out is wider than width columns.
func fits(t *testing.T, what, out string, width int) {
	t.Helper()
	for i, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(line); n > width {
			t.Errorf("%s: line %d is %d columns wide, want ≤ %d:\n%s", what, i+1, n, width, line)
		}
	}
}

// readRecordsBack reads compare -o json on the demo's reports back as
// records: one per verdict, each whole (provider, suite, claim, status,
// run id, the signer's full key id, verified).
func readRecordsBack(t *testing.T, dir, pub string) {
	t.Helper()
	out, err := sovbench(t, dir, "compare", "-o", "json", "--trusted-key", pub, dir).Output()
	if err != nil {
		t.Fatalf("compare -o json: %v", err)
	}
	var recs []render.VerdictRecord
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&recs); err != nil {
		t.Fatalf("compare -o json does not read back: %v\n%s", err, out)
	}
	if len(recs) < 4 {
		t.Fatalf("%d records from 4 reports", len(recs))
	}
	readOtherFormatsBack(t, dir, pub, recs)
	for _, r := range recs {
		if r.Provider == "" || r.Suite == "" || r.Claim == "" || r.RunID == "" || !slices.Contains([]results.Status{results.StatusPass, results.StatusFail, results.StatusInconclusive, results.StatusError}, r.Status) ||
			len(r.SignerKeyID) != 64 || r.Signature != render.SignatureVerified || len(r.Criteria) == 0 {
			t.Errorf("incomplete record %+v", r)
		}
	}
}

// readOtherFormatsBack reads compare -o jsonl and -o csv on the demo's
// reports back: the same records as -o json, in the same order (a csv row
// by its columns: provider, suite, claim, status, run id, signer key id).
func readOtherFormatsBack(t *testing.T, dir, pub string, recs []render.VerdictRecord) {
	t.Helper()
	out, err := sovbench(t, dir, "compare", "-o", "jsonl", "--trusted-key", pub, dir).Output()
	if err != nil {
		t.Fatalf("compare -o jsonl: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(recs) {
		t.Fatalf("%d jsonl lines for %d json records", len(lines), len(recs))
	}
	for i, line := range lines {
		var r render.VerdictRecord
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil || !reflect.DeepEqual(r, recs[i]) {
			t.Fatalf("jsonl line %d (%v) is not json record %d:\n%s\n%+v", i+1, err, i, line, recs[i])
		}
	}
	out, err = sovbench(t, dir, "compare", "-o", "csv", "--trusted-key", pub, dir).Output()
	if err != nil {
		t.Fatalf("compare -o csv: %v", err)
	}
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil || len(rows) != len(recs)+1 {
		t.Fatalf("compare -o csv: %v, %d rows for %d records", err, len(rows), len(recs))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for i, row := range rows[1:] {
		r := recs[i]
		want := map[string]string{"provider": r.Provider, "suite": r.Suite, "claim": r.Claim, "status": string(r.Status), "run_id": r.RunID, "signer_key_id": r.SignerKeyID}
		for h, v := range want {
			if c, ok := col[h]; !ok || row[c] != v {
				t.Fatalf("csv row %d, column %s: %v, want %q", i+1, h, row, v)
			}
		}
	}
}
