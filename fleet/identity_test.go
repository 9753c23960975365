package fleet

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/fleet/agent"
	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/store"
	"github.com/sovbench/sovbench/scenarios/plan"
)

// enrolWith enrols a client under name with a fresh token binding tok.
func (ts *testServer) enrolWith(t *testing.T, tok Token, name string) (*agent.Client, api.EnrolResponse) {
	t.Helper()
	if tok.TTL == 0 {
		tok.TTL = time.Hour
	}
	s, err := ts.store.IssueToken(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	c := ts.client(t)
	resp, err := c.Enrol(context.Background(), s, name)
	if err != nil {
		t.Fatal(err)
	}
	return c, resp
}

// probeSays asserts that /probe?query answers with every line of want.
func (ts *testServer) probeSays(t *testing.T, query string, want ...string) string {
	t.Helper()
	body := get(t, ts.http.Client(), ts.http.URL+"/probe?"+query)
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("/probe?%s lacks %q:\n%s", query, w, body)
		}
	}
	return body
}

func TestOneAgentOneIdentity(t *testing.T) {
	ctx := context.Background()
	ts := newTestServer(t)
	web, enrolled := ts.enrolWith(t, Token{}, "web")
	// The original host fails a claim on purpose: an impostor's clean run
	// must not make its probe succeed.
	run, err := web.Submit(ctx, api.Submission{Suite: "fleet-host", Nonce: mustNonce(t, web), Evidence: nil})
	if err != nil {
		t.Fatal(err)
	}
	if run.AgentID != enrolled.AgentID || run.Satisfied {
		t.Fatalf("submission recorded for %s, satisfied %v; want %s, unsatisfied (no evidence)", run.AgentID, run.Satisfied, enrolled.AgentID)
	}
	t.Run("a same-name enrolment is refused, in any case, and cannot displace the original in /probe", func(t *testing.T) {
		for _, name := range []string{"web", "WEB"} {
			tok, _ := ts.store.IssueToken(ctx, Token{TTL: time.Hour})
			_, err := ts.client(t).Enrol(ctx, tok, name)
			refusal(t, err, api.CodeNameTaken)
		}
		ts.probeSays(t, "suite=fleet-host&target=web", `agent_id="`+enrolled.AgentID+`"`, run.RunID, "sovbench_probe_success 0", `reason="claims_failed"`)
		ts.probeSays(t, "suite=fleet-host&target="+enrolled.AgentID, run.RunID)
	})
	t.Run("the signed report carries the agent ID beside the name", func(t *testing.T) {
		runs, err := ts.index.Runs(ctx)
		if err != nil || len(runs) != 1 {
			t.Fatalf("runs %v, %v", runs, err)
		}
		reps, err := store.LoadReports(filepath.Join(ts.dir, runs[0].Path))
		if err != nil {
			t.Fatal(err)
		}
		if tg := reps[0].Targets[0]; tg.AgentID != enrolled.AgentID || tg.Address != "web" {
			t.Fatalf("report target %+v, want agent %s named web", tg, enrolled.AgentID)
		}
	})
	t.Run("a run submitted to one verifier shows on another sharing the store", func(t *testing.T) {
		other := ts.sibling(t)
		ok, _ := ts.enrolWith(t, Token{}, "ok-host")
		resp := satisfiedRun(t, ok)
		other.probeSays(t, "suite=fleet-lenient&target=ok-host", resp.RunID, "sovbench_claim_pass")
		body := get(t, other.http.Client(), other.http.URL+"/metrics")
		if want := `sovbench_agent_run_success{agent_id="` + resp.AgentID + `",name="ok-host",suite="fleet-lenient"} 1`; !strings.Contains(body, want) {
			t.Errorf("the other verifier's /metrics lacks %s", want)
		}
	})
	t.Run("a run older than max_age is stale and fails", func(t *testing.T) {
		ts.probeSays(t, "suite=fleet-lenient&target=ok-host", "sovbench_probe_success 1", `reason="ok"`)
		time.Sleep(2 * time.Millisecond)
		body := ts.probeSays(t, "suite=fleet-lenient&target=ok-host&max_age=0.001", "sovbench_probe_success 0", `reason="stale"`)
		if strings.Contains(body, "sovbench_claim_pass") {
			t.Errorf("a stale run's claims are shown:\n%s", body)
		}
		for _, bad := range []string{"-1s", "0", "NaN", "soon"} {
			if body := get(t, ts.http.Client(), ts.http.URL+"/probe?suite=fleet-host&target=ok-host&max_age="+bad); !strings.Contains(body, "max_age") {
				t.Errorf("max_age=%s: %s, want a refusal naming max_age", bad, body)
			}
		}
	})
	t.Run("a revoked agent's /probe fails, also after a restart and on another verifier", func(t *testing.T) {
		ok, _ := ts.enrolWith(t, Token{}, "revoked-host")
		resp := satisfiedRun(t, ok)
		ts.probeSays(t, "suite=fleet-lenient&target=revoked-host", "sovbench_probe_success 1")
		if _, err := ts.store.Revoke(ctx, resp.AgentID); err != nil {
			t.Fatal(err)
		}
		for _, v := range []*testServer{ts, ts.sibling(t)} {
			body := v.probeSays(t, "suite=fleet-lenient&target=revoked-host", "sovbench_probe_success 0", `reason="revoked"`, resp.AgentID)
			if strings.Contains(body, "sovbench_claim_pass") {
				t.Errorf("a revoked agent's claims are shown:\n%s", body)
			}
		}
	})
	t.Run("an unknown target fails with its reason", func(t *testing.T) {
		ts.probeSays(t, "suite=fleet-host&target=nobody", "sovbench_probe_success 0", `reason="no_agent"`)
	})
}

// satisfiedRun submits known host evidence to fleet-lenient, which it
// satisfies on any machine.
func satisfiedRun(t *testing.T, c *agent.Client) api.SubmitResponse {
	t.Helper()
	n, err := c.Nonce(context.Background(), "fleet-lenient")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Submit(context.Background(), api.Submission{Suite: "fleet-lenient", Nonce: n.Nonce, Evidence: []results.Evidence{hostEvidence("host")}})
	if err != nil || !resp.Satisfied {
		t.Fatalf("run %+v, %v; want satisfied", resp, err)
	}
	return resp
}

func mustNonce(t *testing.T, c *agent.Client) string {
	t.Helper()
	n, err := c.Nonce(context.Background(), "fleet-host")
	if err != nil {
		t.Fatal(err)
	}
	return n.Nonce
}

func TestTheVerifierBindsTheSuiteTarget(t *testing.T) {
	ctx := context.Background()
	ts := newTestServer(t)
	bound, _ := ts.enrolWith(t, Token{Target: "db"}, "web")
	p, err := bound.Plan(ctx, "fleet-two")
	if err != nil || p.Target.Name != "db" {
		t.Fatalf("plan of an agent bound to db: target %q, %v", p.Target.Name, err)
	}
	resp, err := agent.RunOnce(ctx, bound, "fleet-two", plan.Env{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range resp.Verdicts {
		if v.Target != "db" {
			t.Errorf("verdict %s for target %s, want db (the binding, not the name web)", v.Key(), v.Target)
		}
	}
	t.Run("an unbound agent named like a target does not answer for it", func(t *testing.T) {
		named, _ := ts.enrolWith(t, Token{}, "db")
		_, err := named.Plan(ctx, "fleet-two")
		refusal(t, err, api.CodeUnknownSuite)
	})
	t.Run("a single-target suite needs no binding", func(t *testing.T) {
		if _, err := bound.Plan(ctx, "fleet-host"); err != nil {
			t.Fatal(err)
		}
	})
}
