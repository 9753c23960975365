package plan

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// fixtureRoot writes a tiny host tree: a DMI vendor and a kernel release.
func fixtureRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for path, body := range map[string]string{
		"sys/class/dmi/id/sys_vendor":   "Example GmbH\n",
		"proc/sys/kernel/osrelease":     "6.1.0-test\n",
		"sys/class/dmi/id/product_name": "Box 1\n",
		".sovbench/cpuid":               "hypervisor_bit: 0\n",
	} {
		p := filepath.Join(root, path)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// hostSuite runs the host probe on two local targets.
func hostSuite(t *testing.T, budget string) *suite.Suite {
	t.Helper()
	s, err := suite.Parse("t.yaml", []byte(`suite: t
provider: {name: p}
budget: `+budget+`
targets:
  - name: a
  - name: b
probes:
  - probe: host
claims:
  - operator.not_in: [Amazon]
    require: no_fail
`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// planFor builds t's plan as scenarios/run's PlanFor does (this package's
// tests cannot import run, which imports plan).
func planFor(s *suite.Suite, t suite.TargetSpec) Plan {
	p := Plan{Target: probes.Target{Name: t.Name, Kind: t.Kind}, Concurrency: s.Concurrency, SuiteSHA256: s.SHA256}
	for _, st := range s.StepsFor(t.Name) {
		if !probes.IsOutside(st.Probe) {
			p.Steps = append(p.Steps, PlanStep{ID: st.ID, Probe: st.Probe, Timeout: results.Duration(st.Timeout), Params: st.Params})
		}
	}
	return p
}
