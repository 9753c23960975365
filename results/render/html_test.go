package render

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/internal/testreport"
)

func renderFixtureHTML(t *testing.T, opt HTMLOptions) string {
	t.Helper()
	return renderHTML(t, testreport.Fixture(t), opt)
}

// locatedFixture is the fixture with a region in its rtt evidence.
func locatedFixture(t *testing.T) *results.Report {
	r := testreport.Fixture(t)
	r.FindEvidence("h1/rtt").RTT.Location = recorded(bissenRegion(t))
	return r
}

func renderHTML(t *testing.T, r *results.Report, opt HTMLOptions) string {
	t.Helper()
	var b bytes.Buffer
	if err := HTML(&b, r, opt); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestHTML(t *testing.T) {
	page := renderHTML(t, locatedFixture(t), HTMLOptions{Signer: "verified, signed by key 1fdc"})
	for _, tc := range []struct{ name, want string }{
		{"the provider is the title", "<h1>Clarence &lt;EU&gt; &amp; co</h1>"},
		{"report text is escaped", "Telindus &lt;script&gt;"},
		{"every verdict status has its badge", `<span class="status inconclusive">inconclusive</span>`},
		{"verdicts link to their evidence", `<a href="#ev-h1-rtt">h1/rtt</a>`},
		{"the landmark chart is inline SVG", "h1/rtt: minimum round trip per landmark"},
		{"the phase chart stacks processing", "<title>processing 95 ms</title>"},
		{"the located target's map is embedded", `<title>feasible region: `},
		{"the map is titled with the provider and target", "Clarence &lt;EU&gt; &amp; co — h1"},
		{"the signature line is shown", "verified, signed by key 1fdc"},
		{"the raw record is there", "&#34;probe&#34;: &#34;control_plane&#34;"},
		{"a whole-probe failure is shown", `<span class="status fail">interrupted</span>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(page, tc.want) {
				t.Errorf("page lacks %q", tc.want)
			}
		})
	}
	t.Run("the page loads nothing from outside", func(t *testing.T) {
		// url(#id) names an element of the page itself (the map's clip path).
		external := regexp.MustCompile(`(?i)(<script|<link|<img|<iframe|\bsrc=|url\([^#]|@import|href="(https?:)?//)`)
		if m := external.FindString(page); m != "" {
			t.Errorf("page references an external asset: %q", m)
		}
	})
	t.Run("no location evidence says so", func(t *testing.T) {
		if p := renderFixtureHTML(t, HTMLOptions{}); !strings.Contains(p, "No map for this report") {
			t.Error("missing no-map note")
		}
	})
}

// TestHTMLRendersInChromium opens the page in Debian's headless chromium
// (file URL, no network): the screenshot must not be blank and the DOM must
// hold the key text.
func TestHTMLRendersInChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (scripts/deps installs it)")
		}
		t.Skip("chromium is not installed")
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, []byte(renderFixtureHTML(t, HTMLOptions{})), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "shot.png")
	chromium(t, bin, dir, "--screenshot="+shot, "--window-size=1200,1400", "file://"+page)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if v := lumaVariance(img); v < 100 {
		t.Errorf("screenshot looks blank: luma variance %.1f", v)
	}
	dom := chromium(t, bin, dir, "--dump-dom", "file://"+page)
	for _, want := range []string{"Clarence &lt;EU&gt; &amp; co", "location.in", "Virginia", "minimum round trip per landmark", "request phases", "GeoNames (geonames.org, CC BY 4.0)"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}
}

func chromium(t *testing.T, bin, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	profile, err := os.MkdirTemp(dir, "profile-")
	if err != nil {
		t.Fatal(err)
	}
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run", "--user-data-dir=" + profile}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}
