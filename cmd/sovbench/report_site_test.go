package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/results/sign"
)

// report site publishes a folder of reports: signed ones verified first,
// their state on the index; a file that is not a report is skipped with a
// warning and exit 4; no --out, or a signed report without a key, is a
// usage error.
func TestReportSite(t *testing.T) {
	rd, keyDir, _, _ := signedWorkflow(t)
	pub := filepath.Join(keyDir, sign.PublicKeyFile)
	site := filepath.Join(t.TempDir(), "site")
	if code, _, errb := sb(t, "report", "site", rd, "--trusted-key", pub, "--out", site); code != exitOK {
		t.Fatalf("report site exit %d: %s", code, errb)
	}
	index, err := os.ReadFile(filepath.Join(site, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	k, _ := sign.LoadPublicKeys(t.Context(), pub, limits.Limits{})
	for _, want := range []string{"<th>prov</th>", "<th>other</th>", "signature verified", "unsigned", k[0].ID} {
		if !strings.Contains(string(index), want) {
			t.Errorf("index lacks %q", want)
		}
	}
	pages, _ := filepath.Glob(filepath.Join(site, "reports", "*.html"))
	if len(pages) != 2 {
		t.Errorf("%d report pages, want 2", len(pages))
	}
	for _, p := range pages {
		b, _ := os.ReadFile(p)
		if strings.Contains(string(b), rd) || strings.Contains(string(b), os.TempDir()+"/") {
			t.Errorf("%s names a local path", filepath.Base(p))
		}
	}
	t.Run("signed reports need a key or --no-verify", func(t *testing.T) {
		if code, _, _ := sb(t, "report", "site", rd, "--out", site); code != exitUsage {
			t.Errorf("exit %d, want %d", code, exitUsage)
		}
		code, _, errb := sb(t, "report", "site", rd, "--no-verify", "--out", site)
		b, _ := os.ReadFile(filepath.Join(site, "index.html"))
		if code != exitOK || !strings.Contains(string(b), "signed, NOT verified") {
			t.Errorf("--no-verify: exit %d %s", code, errb)
		}
	})
	t.Run("a report signed by an untrusted key stops the site", func(t *testing.T) {
		stranger := filepath.Join(t.TempDir(), "stranger")
		sb(t, "key", "generate", "--out", stranger)
		code, _, errb := sb(t, "report", "site", rd, "--trusted-key", filepath.Join(stranger, sign.PublicKeyFile), "--out", site)
		if code != exitClaims || !strings.Contains(errb, "unknown key") {
			t.Errorf("exit %d, want %d naming the unknown key: %s", code, exitClaims, errb)
		}
	})
	t.Run("a file that is not a report is skipped with exit 4", func(t *testing.T) {
		os.WriteFile(filepath.Join(rd, "notes.json"), []byte(`{"hello": 1}`), 0o644)
		defer os.Remove(filepath.Join(rd, "notes.json"))
		code, _, errb := sb(t, "report", "site", rd, "--trusted-key", pub, "--out", site)
		if code != exitSkipped || !strings.Contains(errb, "skipped") || !strings.Contains(errb, "notes.json") {
			t.Errorf("exit %d, want %d naming the file: %s", code, exitSkipped, errb)
		}
	})
	t.Run("no --out is a usage error", func(t *testing.T) {
		if code, _, _ := sb(t, "report", "site", rd, "--trusted-key", pub); code != exitUsage {
			t.Errorf("exit %d, want %d", code, exitUsage)
		}
	})
}
