package tee

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// Fetcher completes collected evidence over the network through client,
// each fetch bounded by timeout: attest/tee/fetch.Complete.
type Fetcher func(ctx context.Context, d *results.TEEDetails, client *http.Client, timeout time.Duration) error

// fetcher is what fetch_collateral fetches with in this process; nil in
// the slim agent.
var fetcher Fetcher

// SetFetcher makes fetch_collateral fetch with f in this process. The
// sovbench CLI sets attest/tee/fetch.Complete at start; the slim agent
// (cmd/sovbench-agent) sets none: fetching AMD's and Intel's collateral
// links go-sev-guest's and go-tdx-guest's verifiers and protobuf, which
// every host would pay for at every start.
func SetFetcher(f Fetcher) { fetcher = f }

// ErrNoFetcher says this agent does not fetch collateral.
var ErrNoFetcher = errors.New("fetch_collateral: this agent (the slim sovbench-agent) does not fetch collateral; " +
	"the report is recorded with the certificates the host has (extended report, cert_cache); " +
	"run the sovbench CLI as agent (--agent) to fetch on the host")

// fetch completes d with the process's fetcher. Without one the report is
// kept and an observation says what was not fetched and why; a fetch that
// fails fails the evidence, as a collection that fails does.
func (t *teeProbe) fetch(ctx context.Context, rec *probes.Recorder, d *results.TEEDetails) error {
	began := time.Now()
	if fetcher == nil {
		rec.Observe("collateral", "", began, ErrNoFetcher, "")
		return nil
	}
	return fetcher(ctx, d, &http.Client{Timeout: t.p.FetchTimeout}, t.p.FetchTimeout)
}
