package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/results/render"
	"github.com/sovbench/sovbench/results/sign"
)

// signedWorkflow makes a key pair and a results directory holding one
// signed report (provider "prov") and one plain report (provider "other").
func signedWorkflow(t *testing.T) (dir, keyDir, signed, plain string) {
	t.Helper()
	dir = t.TempDir()
	keyDir = filepath.Join(dir, "keys")
	if code, out, errb := sb(t, "key", "generate", "--out", keyDir); code != exitOK || !strings.Contains(out, "key id:") {
		t.Fatalf("key generate exit %d: %s %s", code, out, errb)
	}
	root := fixture(t, map[string]string{"proc/sys/kernel/osrelease": "6.1\n"})
	suite := writeSuite(t, dir, root, "  - hypervisor.present: true\n    require: no_fail\n")
	rd := filepath.Join(dir, "res")
	if code, _, errb := sb(t, "run", "-q", "--results-dir", rd, "--signing-key", filepath.Join(keyDir, sign.PrivateKeyFile), suite); code == exitUsage || code == exitRuntime {
		t.Fatalf("run --sign exit %d: %s", code, errb)
	}
	other := filepath.Join(dir, "other.yaml")
	body, _ := os.ReadFile(suite)
	os.WriteFile(other, []byte(strings.Replace(string(body), "name: prov", "name: other", 1)), 0o644)
	if code, _, errb := sb(t, "run", "-q", "--results-dir", rd, other); code == exitUsage || code == exitRuntime {
		t.Fatalf("run exit %d: %s", code, errb)
	}
	s, _ := filepath.Glob(filepath.Join(rd, "prov", "*.json"))
	p, _ := filepath.Glob(filepath.Join(rd, "other", "*.json"))
	if len(s) != 1 || len(p) != 1 {
		t.Fatalf("reports %v %v", s, p)
	}
	return rd, keyDir, s[0], p[0]
}

func TestSignVerifyCompareCommands(t *testing.T) {
	rd, keyDir, signed, plain := signedWorkflow(t)
	pub := filepath.Join(keyDir, sign.PublicKeyFile)
	stranger := filepath.Join(t.TempDir(), "stranger")
	sb(t, "key", "generate", "--type", "ecdsa-p256", "--out", stranger)
	data, _ := os.ReadFile(signed)
	if !sign.IsEnvelope(data) {
		t.Fatal("run --sign stored a plain report")
	}
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"verify accepts the signed report", []string{"verify", signed, "--trusted-key", pub}, exitOK, "verified, signed by"},
		{"verify accepts a directory of trusted keys", []string{"verify", signed, "--trusted-key", keyDir}, exitOK, "ok   verdicts"},
		{"verify rejects a signer it does not trust and lists why", []string{"verify", signed, "--trusted-key", filepath.Join(stranger, sign.PublicKeyFile)}, exitClaims, "FAIL signature"},
		{"verify rejects a plain report", []string{"verify", plain, "--trusted-key", pub}, exitClaims, "FAIL envelope"},
		{"verify needs a key", []string{"verify", signed}, exitUsage, ""},
		{"show reads the signed report", []string{"show", "-o", "csv", signed}, exitOK, "hypervisor.present"},
		{"compare refuses signed reports without a key", []string{"compare", rd}, exitUsage, ""},
		{"compare shows the verified signer per column", []string{"compare", "-o", "csv", rd, "--trusted-key", pub}, exitOK, "unsigned"},
		{"compare rejects reports signed by an untrusted key", []string{"compare", rd, "--trusted-key", filepath.Join(stranger, sign.PublicKeyFile)}, exitClaims, ""},
		{"compare --no-verify marks key ids as not verified", []string{"compare", "-o", "csv", rd, "--no-verify"}, exitOK, ",not_verified"},
		{"report markdown renders a verified report", []string{"report", "markdown", signed, "--trusted-key", pub}, exitOK, "signed by key"},
		{"report html renders a plain report", []string{"report", "html", plain}, exitOK, "unsigned report"},
		{"sign refuses a signed report", []string{"sign", signed, "--signing-key", filepath.Join(keyDir, sign.PrivateKeyFile)}, exitUsage, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errb := sb(t, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d (want %d), stdout:\n%s\nstderr:\n%s", code, tc.code, out, errb)
			}
		})
	}
	t.Run("compare names the signer's whole key id", func(t *testing.T) {
		k, _ := sign.LoadPublicKeys(t.Context(), pub, limits.Limits{})
		_, out, _ := sb(t, "compare", "-o", "csv", rd, "--trusted-key", pub)
		if !strings.Contains(out, ","+k[0].ID+",verified") {
			t.Fatalf("key id %s missing:\n%s", k[0].ID, out)
		}
	})
	t.Run("compare -o json writes per-verdict records a program reads back", func(t *testing.T) {
		k, _ := sign.LoadPublicKeys(t.Context(), pub, limits.Limits{})
		code, out, errb := sb(t, "compare", "-o", "json", rd, "--trusted-key", pub)
		var recs []render.VerdictRecord
		if err := json.Unmarshal([]byte(out), &recs); err != nil || code != exitOK {
			t.Fatalf("exit %d, %v: %s %s", code, err, out, errb)
		}
		byProvider := map[string]render.VerdictRecord{}
		for _, r := range recs {
			byProvider[r.Provider] = r
		}
		p, o := byProvider["prov"], byProvider["other"]
		if len(recs) != 2 || p.Claim != "hypervisor.present" || p.Params != "true" || p.Suite != "t" || p.RunID == "" ||
			p.SignerKeyID != k[0].ID || p.Signature != render.SignatureVerified || len(p.Criteria) == 0 {
			t.Errorf("signed report's record: %+v", p)
		}
		if o.SignerKeyID != "" || o.Signature != render.SignatureUnsigned || o.Status != p.Status {
			t.Errorf("plain report's record: %+v", o)
		}
		_, lines, _ := sb(t, "compare", "-o", "jsonl", rd, "--trusted-key", pub)
		for i, line := range strings.Split(strings.TrimSpace(lines), "\n") {
			var r render.VerdictRecord
			if err := json.Unmarshal([]byte(line), &r); err != nil || r.RunID == "" {
				t.Errorf("jsonl line %d: %v: %s", i, err, line)
			}
		}
	})
	t.Run("sign then verify a plain report", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "signed.json")
		if code, _, errb := sb(t, "sign", plain, "--signing-key", filepath.Join(keyDir, sign.PrivateKeyFile), "--out", out); code != exitOK {
			t.Fatalf("sign exit %d: %s", code, errb)
		}
		code, stdout, _ := sb(t, "verify", "-o", "json", out, "--trusted-key", pub)
		var res []struct {
			Signer string `json:"signer"`
			Checks []struct {
				OK bool `json:"ok"`
			} `json:"checks"`
		}
		if err := json.Unmarshal([]byte(stdout), &res); err != nil || code != exitOK || len(res) != 1 || res[0].Signer == "" || len(res[0].Checks) < 5 {
			t.Fatalf("exit %d, %v, %s", code, err, stdout)
		}
	})
	t.Run("a group-readable private key is refused before the run", func(t *testing.T) {
		key := filepath.Join(keyDir, sign.PrivateKeyFile)
		os.Chmod(key, 0o640)
		defer os.Chmod(key, 0o600)
		empty := t.TempDir()
		code, _, errb := sb(t, "run", "--signing-key", key, "--results-dir", empty, filepath.Join(filepath.Dir(rd), "suite.yaml"))
		if left, _ := os.ReadDir(empty); code != exitUsage || !strings.Contains(errb, "chmod 600") || len(left) != 0 {
			t.Fatalf("exit %d: %s", code, errb)
		}
		code, _, errb = sb(t, "sign", plain, "--signing-key", key)
		if code != exitUsage || !strings.Contains(errb, "chmod 600") {
			t.Fatalf("exit %d: %s", code, errb)
		}
	})
}
