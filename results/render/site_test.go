package render

import (
	"flag"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/results/internal/testreport"
)

var screenshots = flag.Bool("screenshots", false, "copy the site's screenshots to docs/screenshots/")

// siteFixture is four reports: Clarence's located host claiming
// Luxembourg (signed, verified), Clarence's disconnected run (signed, not
// verified), S3NS's (unsigned) and Clover's, whose egress reached its
// replication sink in Singapore (signed, verified).
func siteFixture(t *testing.T) []SiteReport {
	located := locatedFixture(t)
	located.Provider.Name = "Clarence"
	key := strings.Repeat("9f", 32)
	return []SiteReport{
		{Report: located, Signer: Signer{KeyID: key, Verified: true}},
		{Report: testreport.Clarence(), Signer: Signer{KeyID: key}},
		{Report: testreport.S3NS()},
		{Report: cloverFixture(), Signer: Signer{KeyID: key, Verified: true}},
	}
}

func TestSite(t *testing.T) {
	files, err := Site(siteFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 5 {
		t.Fatalf("%d files, want the index and 4 report pages", len(files))
	}
	index := string(files[SiteIndex])
	for _, want := range []string{`<th>Clarence</th>`, `<th>S3NS</th>`, `<th>disconnected</th>`, `<th>fixture</th>`,
		"signature verified", "signed, NOT verified", "unsigned", "not tested", strings.Repeat("9f", 32),
		"reached: replication, Singapore (198.19.1.3:9000/tcp)"} {
		if !strings.Contains(index, want) {
			t.Errorf("index lacks %q", want)
		}
	}
	for name, page := range files {
		if name == SiteIndex {
			continue
		}
		if !strings.HasPrefix(name, SiteReports+"/") || !strings.Contains(index, `href="`+name+`"`) {
			t.Errorf("report page %s is not linked from the index", name)
		}
		p := string(page)
		for _, want := range []string{`href="../index.html"`, `id="summary"`, `id="scope"`, "What each verdict means", "does not mean"} {
			if !strings.Contains(p, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
	}
}

// TestSiteRendersInChromium opens the site in headless Chromium from
// file:// (no network): the index shows the matrix, a report page its
// summary and a map naming the claimed country. Screenshots of both are
// checked not to be blank; with -screenshots they are copied to
// docs/screenshots/ for the README.
func TestSiteRendersInChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (scripts/deps installs it)")
		}
		t.Skip("chromium is not installed")
	}
	files, err := Site(siteFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var located, clover string
	for name, data := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(name, "-fixture-") {
			located = path
		}
		if strings.HasPrefix(name, SiteReports+"/clover-") {
			clover = path
		}
	}
	index := filepath.Join(dir, SiteIndex)
	dom := chromium(t, bin, dir, "--dump-dom", "file://"+index)
	for _, want := range []string{`id="matrix"`, "Clarence", "S3NS", "signature verified", "not tested", "reached: replication, Singapore"} {
		if !strings.Contains(dom, want) {
			t.Errorf("index DOM lacks %q", want)
		}
	}
	dom = chromium(t, bin, dir, "--dump-dom", "file://"+located)
	for _, want := range []string{"Summary", "Scope and method", "What each verdict means", "Luxembourg (claimed)", "feasible region", "BSI C5:2020 PSS-12"} {
		if !strings.Contains(dom, want) {
			t.Errorf("report page DOM lacks %q", want)
		}
	}
	dom = chromium(t, bin, dir, "--dump-dom", "file://"+clover)
	for _, want := range []string{"Reached from the target", "replication, Singapore (198.19.1.3:9000/tcp)", "telemetry, place not stated"} {
		if !strings.Contains(dom, want) {
			t.Errorf("Clover's page DOM lacks %q", want)
		}
	}
	for _, shot := range []struct{ page, name, size string }{
		{index, "site-index.png", "1200,700"},
		{located, "site-report.png", "1200,2600"},
	} {
		path := filepath.Join(dir, shot.name)
		chromium(t, bin, dir, "--screenshot="+path, "--window-size="+shot.size, "--hide-scrollbars", "file://"+shot.page)
		checkScreenshot(t, path)
		if *screenshots {
			data, _ := os.ReadFile(path)
			if err := os.WriteFile(filepath.Join("..", "..", "docs", "screenshots", shot.name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func checkScreenshot(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if v := lumaVariance(img); v < 100 {
		t.Errorf("%s looks blank: luma variance %.1f", filepath.Base(path), v)
	}
}
