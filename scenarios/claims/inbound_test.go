package claims

import (
	"testing"
	"time"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/stats"
)

// inboundOf is the inbound evidence of vantage points at the named
// catalogue places pinging a host at lat, lon over paths inflation times
// the great circle, plus delay the host adds to every answer; lost names
// the vantage points whose pings the host dropped.
func inboundOf(t *testing.T, lat, lon, inflation float64, delay time.Duration, lost []string, names ...string) results.Evidence {
	t.Helper()
	d := &results.InboundDetails{Service: "https://atlas.example/api/v2/", MeasurementID: 1, Target: "203.0.113.7", Status: "Stopped"}
	for _, n := range names {
		l, ok := geo.LookupLandmark(n)
		if !ok {
			t.Fatalf("no place %s", n)
		}
		v := results.LandmarkRTT{Name: "atlas-" + l.Name, Lat: l.Lat, Lon: l.Lon, Country: l.Country, Method: "atlas-ping"}
		if contains(lost, n) {
			v.Lost = 3
		} else {
			rtt := geo.RoundTripAt(geo.DistanceKm(lat, lon, l.Lat, l.Lon)*inflation, geo.FibreKmPerMs) + 200*time.Microsecond + delay
			v.Samples = []results.Duration{results.Duration(rtt)}
			v.Summary = stats.Summarize([]time.Duration{rtt})
		}
		d.Vantages = append(d.Vantages, v)
	}
	return results.Evidence{ID: "t/inbound", Probe: "inbound", Target: "t", Inbound: d}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var atlasVantages = []string{"Luxembourg,LU", "Brussels,BE", "Frankfurt am Main,DE", "Paris,FR", "Amsterdam,NL",
	"London,GB", "Zürich,CH", "Washington D.C.,US", "New York City,US", "Chicago,US"}

func with(f Facts, evs ...results.Evidence) Facts {
	f.Evidence = append(append([]results.Evidence{}, f.Evidence...), evs...)
	return f
}

func TestInboundClaims(t *testing.T) {
	// The host says (through its own rtt evidence) that it is in Bissen.
	saysBissen := rttFacts(t, 49.787, 6.068, 1.0, euLandmarks...)
	// Outside vantage points measure it where it is.
	inBissen := inboundOf(t, 49.787, 6.068, 1.2, 0, nil, atlasVantages...)
	inAshburn := inboundOf(t, 39.04, -77.49, 1.2, 0, nil, atlasVantages...)
	// The Ashburn host also holds every outside answer for 10 ms, and drops
	// the pings of the American vantage points.
	inAshburnStalling := inboundOf(t, 39.04, -77.49, 1.2, 10*time.Millisecond,
		[]string{"Washington D.C.,US", "New York City,US", "Chicago,US"}, atlasVantages...)
	allLost := inboundOf(t, 39.04, -77.49, 1.2, 0, atlasVantages, atlasVantages...)
	cases := []claimCase{
		{"an honest host in Bissen: both directions agree", claimLocationConsistent, true, with(saysBissen, inBissen), results.StatusPass, "agree"},
		{"a host in Ashburn forging Bissen round trips: disagreement", claimLocationConsistent, true, with(saysBissen, inAshburn), results.StatusFail, "km apart"},
		// Ashburn's region reaches over Chesapeake Bay, water in the outlines:
		// the forger is never shown outside the US, if not placed inside it.
		{"the forger is not shown outside the US from outside", claimLocationInbound, InboundArea{NotIn: []string{"US", "CN"}}, with(saysBissen, inAshburn), results.StatusInconclusive, "reaches into US"},
		{"the forger is not placed in Luxembourg from outside", claimLocationInbound, InboundArea{In: []string{"LU"}}, with(saysBissen, inAshburn), results.StatusFail, "misses LU"},
		{"the honest host is placed outside the US from outside", claimLocationInbound, InboundArea{NotIn: []string{"US", "CN"}}, with(saysBissen, inBissen), results.StatusPass, "misses US"},
		{"a forger that stalls and drops outside pings is never placed in Luxembourg", claimLocationInbound, InboundArea{In: []string{"LU"}}, with(saysBissen, inAshburnStalling), results.StatusInconclusive, "reaches beyond"},
		{"a forger that stalls and drops outside pings is never shown outside the US", claimLocationInbound, InboundArea{NotIn: []string{"US"}}, with(saysBissen, inAshburnStalling), results.StatusInconclusive, "reaches into US"},
		{"no outside answers decide nothing", claimLocationInbound, InboundArea{NotIn: []string{"US"}}, with(saysBissen, allLost), results.StatusInconclusive, "0 of 10"},
		{"no outside measurement decides nothing", claimLocationConsistent, true, saysBissen, results.StatusInconclusive, "no complete inbound evidence"},
		{"no own round trips decide nothing", claimLocationConsistent, true, with(Facts{Target: "t"}, inAshburn), results.StatusInconclusive, "own round trips give no region"},
	}
	runClaimCases(t, cases)
	t.Run("parameters are checked", func(t *testing.T) {
		for _, bad := range []any{InboundArea{}, InboundArea{In: []string{"LU"}, NotIn: []string{"US"}}, InboundArea{In: []string{"XX"}}} {
			if _, err := claimLocationInbound.parse(node(t, bad).Decode); err == nil {
				t.Errorf("%+v accepted", bad)
			}
		}
		if _, err := claimLocationConsistent.parse(node(t, false).Decode); err == nil {
			t.Error("location.consistent: false accepted")
		}
	})
}
