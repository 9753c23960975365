package claims

import (
	"testing"

	"github.com/sovbench/sovbench/results"
)

// withCanary adds the auditor's canary record to facts: arrivals, or a
// canary that could not be asked (failure != "").
func withCanary(f Facts, failure string, arrivals ...results.CanaryArrival) Facts {
	ev := results.Evidence{ID: "t/canary", Probe: "canary", Target: "t",
		Canary: &results.CanaryDetails{Token: "abc", Source: "lab", Arrivals: arrivals}}
	if failure != "" {
		ev.Failure = &results.Failure{Class: "timeout", Operation: "collect", Message: failure}
	}
	f.Evidence = append(f.Evidence, ev)
	return f
}

// TestEgressCanaries: a UDP datagram whose far end recorded this run's
// token fails the egress claims whatever the host saw (here a timeout,
// with a UDP control that works); an arrival at a positive control does
// not; a canary that could not be asked leaves the claim inconclusive.
func TestEgressCanaries(t *testing.T) {
	udpControl := dest("198.18.1.1", 7, "provider-api", true, "udp:ok")
	udpControl.Control = true
	silent := dest("198.19.1.2", 4500, "telemetry", false, "udp:timeout")
	silent.Attempts[0].Token = "abc-3"
	other := dest("198.19.1.2", 4501, "vendor", false, "udp:timeout")
	other.Attempts[0].Token = "abc-31"
	ds := []results.EgressDestination{control(true), udpControl, randomPort("refused"), silent, other}
	refused := results.DNSCheck{Kind: "external", Name: "www.example.com.", Class: "dns_failure", Rcode: "REFUSED"}
	base := func() Facts { return egressEvidence(ds, refused) }
	atSilent := results.CanaryArrival{Proto: "udp", Destination: "198.19.1.2:4500", Payload: "SOVBENCH-EGRESS abc-3\n"}
	atControl := results.CanaryArrival{Proto: "udp", Destination: "198.18.1.1:7", Payload: "SOVBENCH-EGRESS abc-1\n"}
	cases := []claimCase{
		{"sealed, canaries asked: pass saying so", claimEgressDisconnected, true, withCanary(base(), ""), results.StatusPass, "canaries (lab) recorded no token"},
		{"a token at a silent far end fails, naming method and destination", claimEgressDisconnected, true, withCanary(base(), "", atSilent), results.StatusFail,
			"the auditor's canaries recorded this run's token (whatever the host saw): udp to 198.19.1.2:4500 (198.19.1.2:4500/tcp telemetry)"},
		{"a token at a positive control is no leak", claimEgressDisconnected, true, withCanary(base(), "", atControl), results.StatusPass, "0 of 2 destinations"},
		{"a canary that could not be asked is inconclusive", claimEgressDisconnected, true, withCanary(base(), "connection refused"), results.StatusInconclusive, "canaries could not be asked"},
		{"blocked: a token in the blocked category fails", claimEgressBlocked, []string{"telemetry"}, withCanary(base(), "", atSilent), results.StatusFail, "udp to 198.19.1.2:4500"},
		{"blocked: a token in another category does not", claimEgressBlocked, []string{"vendor"}, withCanary(base(), "", atSilent), results.StatusPass, "0 of 1 vendor destinations"},
		{"allowed_only: a token at an allowed destination does not", claimEgressAllowedOnly, []string{"telemetry"}, withCanary(base(), "", atSilent), results.StatusPass, ""},
	}
	runClaimCases(t, cases)
	t.Run("the failing figure counts the canaried destination as reached", func(t *testing.T) {
		o := evalClaim(t, claimEgressDisconnected, "true", withCanary(base(), "", atSilent))
		if o.Status != results.StatusFail || o.Figure != "1/2 reachable" {
			t.Errorf("%s, figure %q, want fail with 1/2 reachable", o.Status, o.Figure)
		}
	})
}

func TestHasToken(t *testing.T) {
	for _, c := range []struct {
		payload, tok string
		want         bool
	}{{"X abc-3\n", "abc-3", true}, {"X abc-31\n", "abc-3", false}, {"X abc-31 abc-3", "abc-3", true}, {"X abc-3", "abc-3", true}, {"", "abc-3", false}} {
		if got := hasToken(c.payload, c.tok); got != c.want {
			t.Errorf("hasToken(%q, %q) = %v", c.payload, c.tok, got)
		}
	}
}
