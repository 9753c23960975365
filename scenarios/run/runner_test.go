package run

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/claims"
	"github.com/sovbench/sovbench/scenarios/plan"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// The test binary doubles as "sovbench agent --stdio" when this is set, so
// the stdio protocol is tested through a real subprocess.
const agentEnv = "SOVBENCH_TEST_AGENT"

func TestMain(m *testing.M) {
	if os.Getenv(agentEnv) == "1" {
		var env plan.Env
		for i, a := range os.Args[:len(os.Args)-1] {
			if a == "--"+plan.LabFixtureFlag {
				env.LabFixture = os.Args[i+1]
			}
		}
		if err := plan.ServeAgent(context.Background(), os.Stdin, os.Stdout, env); err != nil {
			os.Stderr.WriteString(err.Error())
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

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

// fixtureRunner runs local targets on fixtureRoot's tree, as a Go caller
// may (Runner.LocalEnv); no suite can point the host probe at a tree.
func fixtureRunner(t *testing.T) *Runner {
	return &Runner{LocalEnv: plan.Env{LabFixture: fixtureRoot(t)}}
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

func TestRunnerRecordsEvidenceAndVerdictsPerTarget(t *testing.T) {
	s := hostSuite(t, "1m")
	rep := fixtureRunner(t).Run(context.Background(), s)
	if rep.Status != results.RunComplete {
		t.Fatalf("status = %s (%s)", rep.Status, rep.Interruption)
	}
	if len(rep.Evidence) != 2 || rep.Evidence[0].ID != "a/host" || rep.Evidence[1].ID != "b/host" {
		t.Fatalf("evidence ids = %v", ids(rep.Evidence))
	}
	ev := rep.Evidence[0]
	if ev.Host == nil || ev.Probe != "host" || ev.ProbeVersion == "" || ev.Start.IsZero() {
		t.Fatalf("evidence lacks host details, probe name, version or start: %+v", ev)
	}
	if len(rep.Verdicts) != 2 || rep.Verdicts[0].Target != "a" || rep.Verdicts[0].Evidence[0] != "a/host" {
		t.Fatalf("verdicts = %+v", rep.Verdicts)
	}
	if rep.Suite.SHA256 != s.SHA256 || rep.Suite.Source == "" || rep.RunID == "" {
		t.Errorf("report does not carry the suite and run id: %+v", rep.Suite)
	}
}

func TestRunnerMarksAnExhaustedBudgetIncomplete(t *testing.T) {
	s := hostSuite(t, "1ns")
	rep := fixtureRunner(t).Run(context.Background(), s)
	if rep.Status != results.RunIncomplete || rep.Interruption == "" {
		t.Fatalf("status = %s (%q), want incomplete with a reason", rep.Status, rep.Interruption)
	}
	for _, ev := range rep.Evidence {
		if ev.Failure == nil || ev.Failure.Class != results.ClassInterrupted {
			t.Errorf("evidence %s failure = %v, want interrupted", ev.ID, ev.Failure)
		}
	}
	for _, v := range rep.Verdicts {
		if v.Status != results.StatusInconclusive {
			t.Errorf("verdict on %s = %s, want inconclusive without evidence", v.Target, v.Status)
		}
	}
}

func TestAgentProtocolRunsThePlanInASubprocess(t *testing.T) {
	t.Setenv(agentEnv, "1")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s := hostSuite(t, "1m")
	var got []results.Evidence
	// As the lab executor does: the fixture travels as the agent's flag.
	err = commandExecutor{argv: []string{exe, "--" + plan.LabFixtureFlag, fixtureRoot(t)}}.execute(context.Background(), PlanFor(s, s.Targets[1]), func(ev results.Evidence) { got = append(got, ev) })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "b/host" || got[0].Host == nil {
		t.Fatalf("agent evidence = %+v", got)
	}
	if v := got[0].Host.Kernel.Value; v != "6.1.0-test" {
		t.Errorf("kernel read by the agent = %q", v)
	}
}

func TestAgentFailureIsReportedNotHidden(t *testing.T) {
	s := hostSuite(t, "1m")
	err := commandExecutor{argv: []string{"/bin/false"}}.execute(context.Background(), PlanFor(s, s.Targets[0]), func(results.Evidence) {})
	if err == nil {
		t.Fatal("a failing agent gave no error")
	}
}

func TestEvaluateIsPureOverEvidence(t *testing.T) {
	s := hostSuite(t, "1m")
	rep := fixtureRunner(t).Run(context.Background(), s)
	again := claims.Evaluate(s.Claims, s.TargetNames(), rep.Evidence)
	for i := range again {
		if again[i].Status != rep.Verdicts[i].Status || again[i].Reason != rep.Verdicts[i].Reason {
			t.Errorf("re-evaluation differs: %+v vs %+v", again[i], rep.Verdicts[i])
		}
	}
	// Amazon signals in the evidence flip the verdict.
	rep.Evidence[0].Host.Operator = results.OperatorGuess{Name: "Amazon", Confidence: "high"}
	if v := claims.Evaluate(s.Claims, s.TargetNames(), rep.Evidence)[0]; v.Status != results.StatusFail {
		t.Errorf("verdict with Amazon signals = %s, want fail", v.Status)
	}
}

func ids(evs []results.Evidence) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}
