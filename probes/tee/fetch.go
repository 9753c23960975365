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

// AuditorAddress is the address of the collateral observation the
// auditor's machine adds when it fetches what a slim agent could not
// (CompleteOnAuditor).
const AuditorAddress = "auditor"

// CompleteOnAuditor fetches on the auditor's machine the collateral a slim
// agent left to it: when ev is a tee record whose step asked for
// fetch_collateral (p) and whose agent recorded ErrNoFetcher, it completes
// ev.TEE with this process's fetcher (the sovbench CLI's; none in the slim
// agent) and adds a "collateral" observation at AuditorAddress, failed when
// the fetch failed; the report is kept either way and the agent's own
// observation stays. It reports whether it fetched.
//
// Nothing about the binding changes: the tee record binds the rest of the
// target's evidence and is outside the digest it binds
// (results.IsBindingEvidence), and what is fetched (AMD's VCEK chain,
// Intel's collateral) is signed by AMD or Intel and verified as if the host
// had fetched it. An agent cannot make the auditor fetch anything but
// AMD's or Intel's own collateral for the report it sent.
func CompleteOnAuditor(ctx context.Context, ev *results.Evidence, p probes.Params) bool {
	tp, ok := p.(*probes.TEEParams)
	if fetcher == nil || ev.TEE == nil || !ok || !tp.FetchCollateral || !leftToAuditor(ev) {
		return false
	}
	began := time.Now()
	err := fetcher(ctx, ev.TEE, &http.Client{Timeout: tp.FetchTimeout}, tp.FetchTimeout)
	ev.Observations = append(ev.Observations, results.Observation{
		At: ev.Duration, Operation: "collateral", Address: AuditorAddress,
		Took: results.Duration(time.Since(began)), Failure: probes.Classify("collateral", err),
		Note: "fetched on the auditor's machine after the agent's record",
	})
	return true
}

// leftToAuditor reports whether ev's agent said it does not fetch
// collateral (ErrNoFetcher) and nothing has fetched it since.
func leftToAuditor(ev *results.Evidence) bool {
	left := false
	for _, o := range ev.Observations {
		switch {
		case o.Operation != "collateral":
		case o.Address == AuditorAddress:
			return false
		case o.Failure != nil && o.Failure.Message == ErrNoFetcher.Error():
			left = true
		}
	}
	return left
}
