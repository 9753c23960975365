package render

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/internal/testreport"
)

// cloverSuite lists a positive control, a replication sink in Singapore
// (port left to the protocol's default for https) and a telemetry sink
// whose place the suite does not state.
const cloverSuite = `suite: no-foreign-replication
provider: {name: Clover}
targets: [{name: vm1, kind: lab, host: clover/vm1}]
probes:
  - probe: egress
    params:
      destinations:
        - {host: 198.18.2.7, port: 7, protocol: tcp, category: provider, control: true, place: "Dublin, IE"}
        - {host: 198.19.1.3, port: 9000, protocol: tcp, category: replication, place: Singapore}
        - {host: 198.19.1.3, protocol: https, category: replication, place: Singapore}
        - {host: 198.19.1.1, port: 443, protocol: https, category: telemetry}
      sweep:
        - {host: 198.19.1.2, category: vendor, place: "Council Bluffs, United States"}
        - {host: "fd5b:1ab:0:101::3", category: replication, place: Singapore}
claims:
  - egress.blocked: [replication]
`

// cloverFixture is a Clover-like run that reached its replica. Its agent
// lies about the replica: it calls it a positive control of the provider.
func cloverFixture() *results.Report {
	t0 := testreport.T0.Add(time.Hour)
	dests := []results.EgressDestination{
		{Host: "198.18.2.7", Port: 7, Protocol: "tcp", Category: "provider", Control: true, Reachable: true, Tried: true},
		{Host: "198.19.1.3", Port: 9000, Protocol: "tcp", Category: "provider", Control: true, Reachable: true, Tried: true, Via: []string{"tcp"}},
		{Host: "198.19.1.3", Port: 443, Protocol: "https", Category: "replication", Reachable: true, Tried: true, Via: []string{"https"}},
		{Host: "198.19.1.1", Port: 443, Protocol: "https", Category: "telemetry", Reachable: true, Tried: true, Via: []string{"https"}},
		{Host: "198.19.9.9", Port: 25, Protocol: "tcp", Category: "mail", Reachable: false, Tried: true},
		{Host: "198.19.1.2", Port: 8443, Protocol: "tcp", Category: "vendor", Reachable: true, Tried: true, Via: []string{"tcp"}},
		{Host: "fd5b:1ab:0:101::3", Port: 9000, Protocol: "tcp", Category: "replication", Reachable: true, Tried: true, Via: []string{"tcp"}},
	}
	return &results.Report{
		Schema: results.Schema, RunID: "0193a1b2-0000-7000-8000-0000000c10e4",
		Harness:  results.Harness{Name: "sovbench", Version: "0.1.0"},
		Suite:    results.SuiteRef{Name: "no-foreign-replication", SHA256: strings.Repeat("ef", 32), Source: cloverSuite},
		Provider: results.Provider{Name: "Clover"}, Targets: []results.Target{{Name: "vm1", Kind: "lab"}},
		Started: t0, Ended: t0.Add(20 * time.Second), Status: results.RunComplete,
		Evidence: []results.Evidence{{ID: "vm1/egress", Probe: "egress", ProbeVersion: "1", Target: "vm1", Start: t0,
			Egress: &results.EgressDetails{Destinations: dests, Summary: results.EgressSummary{Destinations: 4, Reachable: 3, Controls: 1, ControlsReachable: 1}}}},
		Verdicts: []results.Verdict{{Claim: "egress.blocked", Params: "[replication]", Target: "vm1", Status: results.StatusFail,
			Require: results.RequirePass, Reason: "reachable: 198.19.1.3:9000/tcp replication", Evidence: []string{"vm1/egress"}}},
	}
}

func TestDestinationsAreNamedByRoleAndPlaceFromTheSuite(t *testing.T) {
	var b bytes.Buffer
	if err := HTML(&b, cloverFixture(), HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		"positive control (provider), Dublin, IE",
		"replication, Singapore (198.19.1.3:9000/tcp)",  // the suite's role, not the agent's "positive control"
		"replication, Singapore (198.19.1.3:443/https)", // matched without the default port the suite left out
		"telemetry, place not stated (198.19.1.1:443/https)",
		"mail, place not stated",                                      // a destination the suite does not list: the evidence's category, no place
		"vendor, Council Bluffs, United States (198.19.1.2:8443/tcp)", // a swept far end, by its host
		"replication, Singapore ([fd5b:1ab:0:101::3]:9000/tcp)",       // an IPv6 address in brackets
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "Dublin, IE (198.18.2.7") {
		t.Error("a positive control is listed as reached by a leak")
	}
}

func TestAPlaceIsNeverGuessed(t *testing.T) {
	r := cloverFixture()
	r.Suite.Source = "suite: [not, a, mapping"
	got := reached(r)
	if len(got) == 0 {
		t.Fatal("nothing reached")
	}
	for _, s := range got {
		if !strings.Contains(s, PlaceNotStated) {
			t.Errorf("%q states a place the suite does not", s)
		}
	}
}
