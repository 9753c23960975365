package run

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/probes/tee"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// A slim agent's TEE record whose step asked for fetch_collateral is
// completed on the auditor's machine before it is kept; other records and
// a step that did not ask pass untouched. (The fetcher here stands in for
// AMD's KDS: no test may reach it; attest/tee/fetch is tested on loopback.)
func TestTheAuditorFetchesWhatTheSlimAgentLeft(t *testing.T) {
	s, err := suite.Parse("t.yaml", []byte(`suite: t
provider: {name: p}
targets: [{name: a}, {name: b}]
probes:
  - probe: host
  - probe: tee
    targets: [a]
    params: {fetch_collateral: true, fetch_timeout: 3s}
  - probe: tee
    id: tee-b
    targets: [b]
claims:
  - tee.required: {kind: any}
`))
	if err != nil {
		t.Fatal(err)
	}
	var fetched []string
	tee.SetFetcher(func(_ context.Context, d *results.TEEDetails, _ *http.Client, timeout time.Duration) error {
		fetched = append(fetched, string(d.Kind)+" "+timeout.String())
		return nil
	})
	defer tee.SetFetcher(nil)
	left := []results.Observation{{Operation: "collateral", Failure: probes.Classify("collateral", tee.ErrNoFetcher)}}
	for _, tg := range s.Targets {
		p := PlanFor(s, tg)
		var kept []results.Evidence
		emit := only(p, completeTEE(context.Background(), p, func(ev results.Evidence) { kept = append(kept, ev) }), slog.New(slog.DiscardHandler))
		for _, st := range p.Steps {
			emit(results.Evidence{ID: tg.Name + "/" + st.ID, Target: tg.Name, Probe: st.Probe,
				TEE: &results.TEEDetails{Kind: results.TEESEVSNP}, Observations: left})
		}
		if len(kept) != len(p.Steps) {
			t.Fatalf("%s: kept %d of %d records", tg.Name, len(kept), len(p.Steps))
		}
		for _, ev := range kept {
			last := ev.Observations[len(ev.Observations)-1]
			if auditor := last.Address == tee.AuditorAddress; auditor != (tg.Name == "a" && ev.Probe == "tee") {
				t.Errorf("%s: completed on the auditor: %v", ev.ID, auditor)
			}
		}
	}
	if len(fetched) != 1 || fetched[0] != "sev-snp 3s" {
		t.Errorf("fetched %v, want one SEV-SNP fetch with the step's 3s", fetched)
	}
}
