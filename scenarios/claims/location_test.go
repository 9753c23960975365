package claims

import (
	"testing"
	"time"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/probes/controlplane"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/stats"
)

// rttFacts is the rtt evidence of a host at lat, lon measuring the named
// catalogue landmarks over paths inflation times the great circle.
func rttFacts(t *testing.T, lat, lon, inflation float64, names ...string) Facts {
	t.Helper()
	var lms []results.LandmarkRTT
	for _, n := range names {
		l, ok := geo.LookupLandmark(n)
		if !ok {
			t.Fatalf("no landmark %s", n)
		}
		rtt := geo.RoundTripAt(geo.DistanceKm(lat, lon, l.Lat, l.Lon)*inflation, geo.FibreKmPerMs) + 50*time.Microsecond
		lms = append(lms, results.LandmarkRTT{Name: l.Name, Lat: l.Lat, Lon: l.Lon, Method: "tcp",
			Samples: []results.Duration{results.Duration(rtt)}, Summary: stats.Summarize([]time.Duration{rtt})})
	}
	return Facts{Target: "t", Evidence: []results.Evidence{{ID: "t/rtt", Probe: "rtt", RTT: &results.RTTDetails{Landmarks: lms}}}}
}

var euLandmarks = []string{"Luxembourg,LU", "Ettelbruck,LU", "Wiltz,LU", "Echternach,LU", "Brussels,BE", "Amsterdam,NL",
	"London,GB", "Paris,FR", "Frankfurt am Main,DE", "Berlin,DE", "Zürich,CH", "Madrid,ES", "Dublin,IE", "Warsaw,PL",
	"Washington D.C.,US"}

func cpFacts(rtt, server time.Duration) Facts {
	d := &results.ControlPlaneDetails{URL: "https://api", RTT: results.Duration(rtt), ServerTime: results.Duration(server),
		MaxDistanceKm: geo.MaxDistanceKm(rtt, geo.FibreKmPerMs)}
	d.Origin = controlplane.OriginOf(rtt, server, 10*time.Millisecond, 1)
	return Facts{Target: "t", Evidence: []results.Evidence{{ID: "t/cp", Probe: "controlplane", ControlPlane: d}}}
}

func TestLocationClaims(t *testing.T) {
	bissen := rttFacts(t, 49.787, 6.068, 1.0, euLandmarks...)
	bissenWinding := rttFacts(t, 49.787, 6.068, 1.8, euLandmarks...)
	paris := rttFacts(t, 48.8566, 2.3522, 1.2, euLandmarks...)
	ashburn := rttFacts(t, 39.04, -77.49, 1.0, append([]string{"Ashburn,US"}, euLandmarks...)...)
	none := Facts{Target: "t"}
	cases := []struct {
		name  string
		kind  Kind
		param any
		facts Facts
		want  results.Status
	}{
		{"a host in Bissen with nearby landmarks is in Luxembourg", claimLocationIn, "LU", bissen, results.StatusPass},
		{"a host in Bissen behind winding paths cannot be pinned to Luxembourg", claimLocationIn, "LU", bissenWinding, results.StatusInconclusive},
		{"a host in Paris is not in Luxembourg", claimLocationIn, "LU", paris, results.StatusFail},
		{"a host in Ashburn is not in Luxembourg", claimLocationIn, "LU", ashburn, results.StatusFail},
		{"a host in Bissen is provably outside the US and China", claimLocationNotIn, []string{"US", "CN"}, bissen, results.StatusPass},
		{"a host in Ashburn fails not_in US", claimLocationNotIn, []string{"US", "CN"}, ashburn, results.StatusFail},
		{"a host in Paris is within 100 km of Paris", claimLocationWithinKm, WithinKm{Of: []float64{48.8566, 2.3522}, Km: 100}, paris, results.StatusPass},
		{"a host in Paris is not within 100 km of Luxembourg", claimLocationWithinKm, WithinKm{Of: []float64{49.61, 6.13}, Km: 100}, paris, results.StatusFail},
		{"no round trips are inconclusive", claimLocationIn, "LU", none, results.StatusInconclusive},
		{"a near control plane answering quickly is within 100 km", claimControlPlaneMaxDistance, 100.0, cpFacts(300*time.Microsecond, 2*time.Millisecond), results.StatusPass},
		{"a near front end waiting 65ms (a transatlantic backend, or a slow server) is not provably within 100 km, nor beyond", claimControlPlaneMaxDistance, 100.0, cpFacts(300*time.Microsecond, 65*time.Millisecond), results.StatusInconclusive},
		{"a far front end cannot be shown within 100 km", claimControlPlaneMaxDistance, 100.0, cpFacts(8*time.Millisecond, time.Millisecond), results.StatusInconclusive},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eval, err := c.kind.parse(node(t, c.param).Decode)
			if err != nil {
				t.Fatal(err)
			}
			if o := eval(c.facts); o.Status != c.want {
				t.Errorf("status %s (%s), want %s", o.Status, o.Reason, c.want)
			} else {
				t.Logf("%s: %s [%s]", o.Status, o.Reason, o.Figure)
			}
		})
	}
}
