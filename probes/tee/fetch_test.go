package tee

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// TestFetchCollateral: without a fetcher (the slim agent) the report is
// kept and an observation says collateral was not fetched and why; with
// one, it is called with the step's timeout and its error fails the step.
func TestFetchCollateral(t *testing.T) {
	p := probes.DefaultTEEParams()
	p.FetchCollateral, p.FetchTimeout = true, 3*time.Second
	pr := &teeProbe{p: p}
	d := &results.TEEDetails{Kind: results.TEETDX}

	SetFetcher(nil)
	rec := probes.Begin(pr, probes.Target{Name: "vm"})
	if err := pr.fetch(context.Background(), rec, d); err != nil {
		t.Fatalf("without a fetcher: %v, want the report kept", err)
	}
	ev := rec.Finish(nil)
	if len(ev.Observations) != 1 || ev.Observations[0].Operation != "collateral" || ev.Observations[0].Failure == nil {
		t.Errorf("observations %+v, want a failed collateral observation", ev.Observations)
	}

	boom := errors.New("PCS down")
	var got time.Duration
	SetFetcher(func(_ context.Context, _ *results.TEEDetails, c *http.Client, timeout time.Duration) error {
		got = timeout
		if c == nil || c.Timeout != timeout {
			t.Errorf("client %+v", c)
		}
		return boom
	})
	defer SetFetcher(nil)
	if err := pr.fetch(context.Background(), probes.Begin(pr, probes.Target{Name: "vm"}), d); !errors.Is(err, boom) || got != 3*time.Second {
		t.Errorf("with a fetcher: %v after timeout %v", err, got)
	}
}

// TestCompleteOnAuditor: the auditor fetches what a slim agent left to it,
// once, only for a step that asked for it, and keeps the report whatever
// the fetch does.
func TestCompleteOnAuditor(t *testing.T) {
	left := func() results.Evidence {
		return results.Evidence{ID: "vm/tee", Probe: "tee", TEE: &results.TEEDetails{Kind: results.TEESEVSNP},
			Observations: []results.Observation{{Operation: "collateral", Failure: probes.Classify("collateral", ErrNoFetcher)}}}
	}
	asked := probes.DefaultTEEParams()
	asked.FetchCollateral, asked.FetchTimeout = true, 2*time.Second
	notAsked := probes.DefaultTEEParams()
	var calls int
	var fail error
	SetFetcher(func(_ context.Context, d *results.TEEDetails, c *http.Client, timeout time.Duration) error {
		calls++
		if c.Timeout != 2*time.Second || timeout != 2*time.Second {
			t.Errorf("client timeout %v, fetch timeout %v: want the step's 2s", c.Timeout, timeout)
		}
		d.Certs = append(d.Certs, results.TEECert{Role: "vcek"})
		return fail
	})
	defer SetFetcher(nil)

	ev := left()
	if !CompleteOnAuditor(context.Background(), &ev, &asked) || calls != 1 || len(ev.TEE.Certs) != 1 {
		t.Fatalf("fetched %d times, certs %v", calls, ev.TEE.Certs)
	}
	last := ev.Observations[len(ev.Observations)-1]
	if len(ev.Observations) != 2 || last.Address != AuditorAddress || last.Failure != nil {
		t.Errorf("observations %+v, want the agent's and a passed one at %q", ev.Observations, AuditorAddress)
	}
	if CompleteOnAuditor(context.Background(), &ev, &asked) || calls != 1 {
		t.Errorf("fetched again a record the auditor completed (%d calls)", calls)
	}

	fail = errors.New("KDS down")
	ev = left()
	if !CompleteOnAuditor(context.Background(), &ev, &asked) || ev.TEE == nil {
		t.Fatal("a failed fetch dropped the report")
	}
	if f := ev.Observations[len(ev.Observations)-1].Failure; f == nil || f.Message != "KDS down" {
		t.Errorf("failed fetch recorded as %+v", f)
	}

	calls = 0
	for name, c := range map[string]struct {
		ev results.Evidence
		p  probes.Params
	}{
		"the step did not ask":                {left(), &notAsked},
		"no parameters (defaults)":            {left(), nil},
		"the agent fetched (no ErrNoFetcher)": {results.Evidence{ID: "vm/tee", Probe: "tee", TEE: &results.TEEDetails{}}, &asked},
		"the agent's collection failed":       {func() results.Evidence { e := left(); e.TEE = nil; return e }(), &asked},
		"another failure than ErrNoFetcher":   {func() results.Evidence { e := left(); e.Observations[0].Failure.Message = "x"; return e }(), &asked},
	} {
		if CompleteOnAuditor(context.Background(), &c.ev, c.p) {
			t.Errorf("%s: fetched", name)
		}
	}
	SetFetcher(nil)
	ev = left()
	if CompleteOnAuditor(context.Background(), &ev, &asked) || calls != 0 {
		t.Error("fetched without a fetcher in this process")
	}
}
