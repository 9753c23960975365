package plan

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/probes/host"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// runHostPlan runs a one-step host plan in process with env.
func runHostPlan(t *testing.T, env Env) results.Evidence {
	t.Helper()
	plan := Plan{Target: probes.Target{Name: "vm", Kind: "lab"}, Steps: []PlanStep{{ID: "host", Probe: "host"}}}
	var got []results.Evidence
	RunPlan(context.Background(), plan, env, func(ev results.Evidence) { got = append(got, ev) })
	if len(got) != 1 || got[0].Host == nil {
		t.Fatalf("evidence = %+v", got)
	}
	return got[0]
}

// In process, a lab host's fixture reaches the host probe only through
// RunPlan's environment, and the evidence says it came from a fixture.
func TestRunPlanReadsALabFixtureOnlyFromItsEnv(t *testing.T) {
	root := fixtureRoot(t)
	ev := runHostPlan(t, Env{LabFixture: root})
	// The fixture's file, named as the host it stands for names it.
	if k := ev.Host.Kernel; k.Value != "6.1.0-test" || k.Source != "/proc/sys/kernel/osrelease" {
		t.Errorf("kernel %+v, want the fixture's", k)
	}
	if !slices.ContainsFunc(ev.Observations, func(o results.Observation) bool { return o.Note == host.FixtureNote }) {
		t.Errorf("no observation says %q: %+v", host.FixtureNote, ev.Observations)
	}
	ev = runHostPlan(t, Env{})
	if k := ev.Host.Kernel; k.Source != "/proc/sys/kernel/osrelease" {
		t.Errorf("without a fixture the kernel came from %q, want this machine", k.Source)
	}
	if slices.ContainsFunc(ev.Observations, func(o results.Observation) bool { return o.Note == host.FixtureNote }) {
		t.Error("evidence of this machine claims to come from a fixture")
	}
}

// A plan (which a verifier service may write) cannot point the agent at a
// fixture: the field that once did is gone and is ignored if sent.
func TestAPlanCannotNameAFixture(t *testing.T) {
	root := fixtureRoot(t)
	body, err := json.Marshal(planFor(hostSuite(t, "1m"), suite.TargetSpec{Name: "a", Kind: "lab"}))
	if err != nil {
		t.Fatal(err)
	}
	if s := strings.ToLower(string(body)); strings.Contains(s, "root") || strings.Contains(s, "fixture") {
		t.Errorf("plan JSON names a root or fixture: %s", body)
	}
	forged := `{"target":{"Name":"a","Kind":"lab","Root":"` + root + `"},"steps":[{"id":"host","probe":"host"}]}`
	var out bytes.Buffer
	if err := ServeAgent(context.Background(), strings.NewReader(forged), &out, Env{}); err != nil {
		t.Fatal(err)
	}
	var ev results.Evidence
	if err := json.Unmarshal(out.Bytes(), &ev); err != nil || ev.Host == nil {
		t.Fatalf("agent output %q: %v", out.String(), err)
	}
	if k := ev.Host.Kernel; k.Source != "/proc/sys/kernel/osrelease" {
		t.Errorf("a forged plan made the agent read %q", k.Source)
	}
}
