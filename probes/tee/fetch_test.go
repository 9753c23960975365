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
