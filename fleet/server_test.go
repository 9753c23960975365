package fleet

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/fleet/agent"
	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/scenarios/plan"
	"github.com/sovbench/sovbench/verify"
)

func TestAgentEnrolsRunsAndSubmits(t *testing.T) {
	ctx := context.Background()
	ts := newTestServer(t)
	c := ts.client(t)
	tok, err := ts.store.IssueToken(ctx, Token{TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	credPath := filepath.Join(t.TempDir(), "agent.json")
	if err := c.EnsureEnrolled(ctx, credPath, tok, "web-1"); err != nil {
		t.Fatal(err)
	}
	resp, err := agent.RunOnce(ctx, c, "fleet-host", plan.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Verdicts) != 2 || resp.KeyID != ts.key.ID {
		t.Fatalf("got %d verdicts signed by %s, want 2 by %s", len(resp.Verdicts), resp.KeyID, ts.key.ID)
	}

	t.Run("the stored report is signed and verifies, verdicts re-evaluated", func(t *testing.T) {
		paths, _ := filepath.Glob(filepath.Join(ts.dir, "*", "*.json"))
		if len(paths) != 1 {
			t.Fatalf("reports stored: %v, want 1", paths)
		}
		v := &verify.Verifier{Keys: []*sign.PublicKey{ts.key.Public()}}
		res := v.File(ctx, paths[0])
		if !res.OK() {
			t.Fatalf("stored report does not verify: %v", res.Failures())
		}
		rep, _ := res.Report()
		if rep.RunID != resp.RunID || rep.Targets[0].Address != "web-1" {
			t.Errorf("report run %s address %q, want run %s address web-1", rep.RunID, rep.Targets[0].Address, resp.RunID)
		}
	})
	t.Run("the run is in the index", func(t *testing.T) {
		runs, err := ts.index.Runs(ctx)
		if err != nil || len(runs) != 1 || runs[0].RunID != resp.RunID {
			t.Fatalf("index runs %+v, %v; want the one run %s", runs, err, resp.RunID)
		}
	})
	t.Run("a saved credential is reused without a token", func(t *testing.T) {
		c2 := ts.client(t)
		if err := c2.EnsureEnrolled(ctx, credPath, "", "web-1"); err != nil {
			t.Fatal(err)
		}
		if _, err := c2.Plan(ctx, "fleet-host"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("probe exposes the latest verdicts of the agent", func(t *testing.T) {
		body := get(t, ts.http.Client(), ts.http.URL+"/probe?suite=fleet-host&target=web-1")
		for _, want := range []string{`sovbench_claim_pass{claim="operator.not_in: [Amazon, Google, Microsoft]"`, "sovbench_report_age_seconds ", "sovbench_probe_success ", resp.RunID} {
			if !strings.Contains(body, want) {
				t.Errorf("/probe lacks %q:\n%s", want, body)
			}
		}
	})
	t.Run("probe of a target without a run reports no success", func(t *testing.T) {
		body := get(t, ts.http.Client(), ts.http.URL+"/probe?suite=fleet-host&target=nobody")
		if !strings.Contains(body, "sovbench_probe_success 0") || strings.Contains(body, "sovbench_claim_pass") {
			t.Errorf("/probe for an unknown agent:\n%s", body)
		}
	})
	t.Run("the latest verdicts survive a restart", func(t *testing.T) {
		again, err := NewServer(ts.cfg)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		again.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/probe?suite=fleet-host&target=web-1", nil))
		if body := rec.Body.String(); !strings.Contains(body, resp.RunID) || !strings.Contains(body, "sovbench_claim_pass") {
			t.Errorf("/probe after a restart:\n%s", body)
		}
	})
	t.Run("metrics count the submission and the verdicts", func(t *testing.T) {
		body := get(t, ts.http.Client(), ts.http.URL+"/metrics")
		for _, want := range []string{`sovbench_submissions_total{outcome="accepted"} 1`, `sovbench_verdicts{claim="operator.not_in: [Amazon, Google, Microsoft]",status=`, `sovbench_submission_duration_seconds_count{outcome="accepted"} 1`} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
	})
}

func get(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// refusal asserts that err is the verifier refusing with code.
func refusal(t *testing.T, err error, code string) {
	t.Helper()
	var re *agent.RefusedError
	if !errors.As(err, &re) || re.Code != code {
		t.Fatalf("got %v, want a refusal with code %s", err, code)
	}
	if re.Message == "" {
		t.Errorf("refusal %s carries no message", code)
	}
}

func hostEvidence(id string) results.Evidence {
	return results.Evidence{ID: "host/" + id, Probe: "host", Target: "host", Start: time.Now().UTC(),
		Host: &results.HostDetails{}}
}

func TestRefusals(t *testing.T) {
	ctx := context.Background()
	ts := newTestServer(t)
	good := ts.enrolled(t, "web-1")
	other := ts.enrolled(t, "web-2")
	submit := func(c *agent.Client, nonce string, ev []results.Evidence) error {
		_, err := c.Submit(ctx, api.Submission{Suite: "fleet-host", Nonce: nonce, Evidence: ev})
		return err
	}
	fresh := func(c *agent.Client) string {
		n, err := c.Nonce(ctx, "fleet-host")
		if err != nil {
			t.Fatal(err)
		}
		return n.Nonce
	}
	ev := []results.Evidence{hostEvidence("host")}

	t.Run("a wrong enrolment token is refused", func(t *testing.T) {
		_, err := ts.client(t).Enrol(ctx, "sbt_not-a-token", "evil")
		refusal(t, err, "forbidden")
	})
	t.Run("an enrolment token works once", func(t *testing.T) {
		tok, _ := ts.store.IssueToken(ctx, Token{TTL: time.Hour})
		if _, err := ts.client(t).Enrol(ctx, tok, "a"); err != nil {
			t.Fatal(err)
		}
		_, err := ts.client(t).Enrol(ctx, tok, "b")
		refusal(t, err, "forbidden")
	})
	t.Run("an expired enrolment token is refused", func(t *testing.T) {
		tok, _ := ts.store.IssueToken(ctx, Token{TTL: -time.Second})
		_, err := ts.client(t).Enrol(ctx, tok, "late")
		refusal(t, err, "forbidden")
	})
	t.Run("a forged agent credential is refused", func(t *testing.T) {
		c := ts.client(t)
		c.Credential = strings.SplitN(good.Credential, ".", 2)[0] + ".00ff"
		_, err := c.Nonce(ctx, "fleet-host")
		refusal(t, err, "forbidden")
	})
	t.Run("a submission without a credential is refused", func(t *testing.T) {
		err := submit(ts.client(t), fresh(good), ev)
		refusal(t, err, "forbidden")
	})
	t.Run("a fresh submission is accepted", func(t *testing.T) {
		if err := submit(good, fresh(good), ev); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a replayed submission is refused", func(t *testing.T) {
		n := fresh(good)
		if err := submit(good, n, ev); err != nil {
			t.Fatal(err)
		}
		refusal(t, submit(good, n, ev), "nonce_used")
	})
	t.Run("an unknown nonce is refused", func(t *testing.T) {
		refusal(t, submit(good, "AAAA", ev), "nonce_unknown")
	})
	t.Run("another agent's nonce is refused", func(t *testing.T) {
		refusal(t, submit(other, fresh(good), ev), "nonce_unknown")
	})
	t.Run("an expired nonce is refused", func(t *testing.T) {
		n := fresh(good)
		ts.nonces.mu.Lock()
		ts.nonces.now = func() time.Time { return time.Now().Add(DefaultNonceTTL + time.Second) }
		ts.nonces.mu.Unlock()
		defer func() { ts.nonces.mu.Lock(); ts.nonces.now = time.Now; ts.nonces.mu.Unlock() }()
		refusal(t, submit(good, n, ev), "nonce_expired")
	})
	t.Run("an oversized body is refused", func(t *testing.T) {
		big := hostEvidence("host")
		big.Observations = []results.Observation{{Operation: "x", Note: strings.Repeat("a", 2<<20)}}
		refusal(t, submit(good, fresh(good), []results.Evidence{big}), "too_large")
	})
	t.Run("a submission with unknown fields is refused", func(t *testing.T) {
		err := good.Do(ctx, http.MethodPost, "/v1/submit", map[string]any{"suite": "fleet-host", "verdicts": []string{"pass"}}, &api.SubmitResponse{})
		refusal(t, err, "bad_request")
	})
	t.Run("an unknown suite is refused", func(t *testing.T) {
		_, err := good.Plan(ctx, "nope")
		refusal(t, err, "unknown_suite")
	})
}
