package suite

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/results"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// Each testdata/invalid-*.yaml is paired with invalid-*.err, its exact error.
func TestInvalidSuitesGiveTheirExactError(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid-*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no invalid suites found: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			_, err := Load(t.Context(), f, limits.Limits{})
			if err == nil {
				t.Fatal("suite loaded; want an error")
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is %T, want *ConfigError", err, err)
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

func TestShippedSuitesAreValid(t *testing.T) {
	files, _ := filepath.Glob("../*.yaml")
	if len(files) == 0 {
		t.Fatal("no shipped suites in scenarios/")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := Load(t.Context(), f, limits.Limits{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestParseAppliesDefaults(t *testing.T) {
	s, err := Parse("s.yaml", []byte(`suite: s
provider: {name: p}
probes:
  - probe: host
claims:
  - operator.not_in: [Amazon, Google]
  - hypervisor.present: false
    require: no_fail
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Targets) != 1 || s.Targets[0].Kind != "local" {
		t.Errorf("targets = %+v, want one local target", s.Targets)
	}
	if s.Budget != DefaultBudget || s.Concurrency != DefaultConcurrency || s.Steps[0].Timeout != DefaultTimeout {
		t.Errorf("defaults not applied: budget %v concurrency %d timeout %v", s.Budget, s.Concurrency, s.Steps[0].Timeout)
	}
	if s.Steps[0].ID != "host" {
		t.Errorf("step id = %q, want the probe name", s.Steps[0].ID)
	}
	if got := s.Claims[0].Params; got != "[Amazon, Google]" {
		t.Errorf("canonical params = %q", got)
	}
	if s.Claims[0].Require != results.RequirePass || s.Claims[1].Require != results.RequireNoFail {
		t.Errorf("requirements = %s, %s", s.Claims[0].Require, s.Claims[1].Require)
	}
	if len(s.SHA256) != 64 {
		t.Errorf("sha256 = %q", s.SHA256)
	}
}
