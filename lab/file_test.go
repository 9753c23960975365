package lab

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/scenarios/suite"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// Each testdata/invalid-*.yaml is paired with invalid-*.err, its exact error.
func TestInvalidLabFilesGiveTheirExactError(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid-*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no invalid lab files: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			_, err := Load(t.Context(), f, limits.Limits{})
			var ce *suite.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want *suite.ConfigError", err, err)
			}
			golden := strings.TrimSuffix(f, ".yaml") + ".err"
			if *update {
				os.WriteFile(golden, []byte(err.Error()+"\n"), 0o644)
			}
			want, rerr := os.ReadFile(golden)
			if rerr != nil {
				t.Fatalf("reading %s: %v (run with -update)", golden, rerr)
			}
			if got := err.Error(); got != strings.TrimSpace(string(want)) {
				t.Errorf("error:\n got %s\nwant %s", got, strings.TrimSpace(string(want)))
			}
		})
	}
}

func TestTheDemoLabIsValidAndCarriesItsTruth(t *testing.T) {
	topo, err := Load(t.Context(), "testdata/demo.yaml", limits.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	expect := func(host, to string) string {
		h, err := topo.Host(host)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range h.Reach {
			if r.To == to {
				return r.String()
			}
		}
		return "absent"
	}
	cases := []struct{ name, host, to, want string }{
		{"the disconnected host reaches no landmark", "clarence/vm1", "lm-paris", "lm-paris: unreachable"},
		{"the blackholed host times out", "clarence/vm2", "sink", "sink: timeout"},
		{"the proxied host reaches only the proxy port", "s3ns/vm1", "sink", "sink: refused except tcp/3128"},
		{"the allow-listed host reaches its landmark", "clever/vm1", "lm-paris", "lm-paris: ok"},
		{"the leaky host reaches the sink", "azure-eu/vm1", "sink", "sink: ok"},
		{"a host sees its own metadata server", "azure-eu/vm1", "imds-azure", "imds-azure: ok"},
		{"and not another host's", "azure-eu/vm1", "imds-gce", "absent"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := expect(c.host, c.to); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
	p, _ := topo.Host("clarence/vm1")
	if p.Fixture == "" || !filepath.IsAbs(p.Fixture) {
		t.Errorf("fixture %q: want an absolute path", p.Fixture)
	}
	if _, err := os.Stat(p.Fixture); err != nil {
		t.Errorf("demo fixture: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/demo.yaml", "testdata/invalid-bad-policy.yaml"} {
		data, _ := os.ReadFile(name)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		topo, err := Parse("fuzz.yaml", data)
		if err == nil && (topo.Name == "" || len(topo.Providers) == 0) {
			t.Fatal("parsed a lab without a name or providers")
		}
	})
}
