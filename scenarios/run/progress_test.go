package run

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/plan"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// countingSuite has one local target whose controlplane step makes n
// requests to a loopback server, and a host step that reports nothing.
func countingSuite(t *testing.T, n int) *suite.Suite {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	s, err := suite.Parse("t.yaml", []byte(`suite: t
provider: {name: p}
budget: 1m
targets: [{name: a}]
probes:
  - probe: host
  - probe: controlplane
    params: {url: "`+srv.URL+`", count: `+strconv.Itoa(n)+`, interval: 0s}
claims:
  - control_plane.max_distance_km: 100
`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRunnerProgressMovesInsideAProbe(t *testing.T) {
	const n = 9
	r := fixtureRunner(t)
	var got []Progress
	r.Progress = func(p Progress) { got = append(got, p) } // serialised by the runner
	r.Run(context.Background(), countingSuite(t, n))
	var steps []int
	for _, p := range got {
		if p.Total != 2 || p.Done < 0 || p.Done > 2 || p.Running < 0 || p.Running > 1 {
			t.Fatalf("bad progress %+v", p)
		}
		if p.Latest.Step != "" {
			if p.Latest.Target != "a" || p.Latest.Step != "controlplane" || p.Latest.Total != n {
				t.Fatalf("bad attempt %+v", p.Latest)
			}
			steps = append(steps, p.Latest.Done)
		}
	}
	if len(steps) != n || steps[0] != 1 || steps[n-1] != n {
		t.Fatalf("attempt reports %v, want 1…%d", steps, n)
	}
	if last := got[len(got)-1]; last.Done != 2 || last.Running != 0 {
		t.Errorf("final progress %+v, want 2 of 2 done and nothing running", last)
	}
}

func TestAgentProgressCrossesTheStdioProtocol(t *testing.T) {
	t.Setenv(agentEnv, "1")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s := countingSuite(t, 7)
	p := PlanFor(s, s.Targets[0])
	p.Progress = true
	var got []plan.StepProgress
	ctx := withProgress(context.Background(), func(sp plan.StepProgress) { got = append(got, sp) })
	err = commandExecutor{argv: []string{exe, "--" + plan.LabFixtureFlag, fixtureRoot(t)}}.execute(ctx, p, func(results.Evidence) {})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || got[len(got)-1].Done != 7 || got[len(got)-1].Step != "controlplane" {
		t.Fatalf("progress from the agent %+v, want the last to be controlplane 7/7", got)
	}
}
