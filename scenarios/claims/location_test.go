package claims

import (
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/probes/controlplane"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/stats"
)

// series is one landmark's round trips by one method: rtt 0 means every
// sample was lost (with the failure class, when given).
func series(l geo.Landmark, method string, rtt time.Duration, class results.FailureClass) results.LandmarkRTT {
	s := results.LandmarkRTT{Name: l.Name, Lat: l.Lat, Lon: l.Lon, Method: method}
	if rtt <= 0 {
		s.Lost = 10
		if class == "" {
			class = results.ClassTimeout
		}
		s.Failure = &results.Failure{Class: class, Operation: method}
		return s
	}
	s.Samples = []results.Duration{results.Duration(rtt)}
	s.Summary = stats.Summarize([]time.Duration{rtt})
	s.Authenticated = method == "tls"
	return s
}

// lie rewrites what the host reports for one landmark: its tcp and tls
// round trips (0: lost; -1: unchanged) and the class a lost tls series
// gets.
type lie struct {
	tcp, tls time.Duration
	class    results.FailureClass
}

// pathFacts is the rtt evidence of a host at lat, lon measuring the named
// catalogue landmarks over paths inflation times the great circle, by
// tcp and by authenticated tls handshakes (auth false: tcp only), with the
// lies of a hostile provider applied.
func pathFacts(t *testing.T, lat, lon, inflation float64, auth bool, lies map[string]lie, names ...string) Facts {
	t.Helper()
	var lms []results.LandmarkRTT
	for _, n := range names {
		l, ok := geo.LookupLandmark(n)
		if !ok {
			t.Fatalf("no landmark %s", n)
		}
		rtt := geo.RoundTripAt(geo.DistanceKm(lat, lon, l.Lat, l.Lon)*inflation, geo.FibreKmPerMs) + 50*time.Microsecond
		tcp, tls, class := rtt, rtt+20*time.Microsecond, results.FailureClass("") // the server signs: a little later
		if x, ok := lies[n]; ok {
			if x.tcp >= 0 {
				tcp = x.tcp
			}
			if x.tls >= 0 {
				tls = x.tls
			}
			class = x.class
		}
		lms = append(lms, series(l, "tcp", tcp, ""))
		if auth {
			lms = append(lms, series(l, "tls", tls, class))
		}
	}
	return Facts{Target: "t", Evidence: []results.Evidence{{ID: "t/rtt", Probe: "rtt", RTT: &results.RTTDetails{Landmarks: lms}}}}
}

func rttFacts(t *testing.T, lat, lon, inflation float64, names ...string) Facts {
	return pathFacts(t, lat, lon, inflation, true, nil, names...)
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

// claimCase is one claim evaluated on facts: the status it must give and,
// when reason is set, a piece its reason must contain.
type claimCase struct {
	name   string
	kind   Kind
	param  any // the claim's parameters: a Go value, or YAML text when a string
	facts  Facts
	want   results.Status
	reason string
}

// runClaimCases evaluates each case in a subtest of its name.
func runClaimCases(t *testing.T, cases []claimCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var o Outcome
			if text, ok := c.param.(string); ok {
				o = evalClaim(t, c.kind, text, c.facts)
			} else {
				eval, err := c.kind.parse(node(t, c.param).Decode)
				if err != nil {
					t.Fatal(err)
				}
				o = eval(c.facts)
			}
			if o.Status != c.want || !strings.Contains(o.Reason, c.reason) {
				t.Errorf("%s: %s (%s) figure %q, want %s containing %q", c.kind.Name, o.Status, o.Reason, o.Figure, c.want, c.reason)
			} else {
				t.Logf("%s: %s [%s]", o.Status, o.Reason, o.Figure)
			}
		})
	}
}

func TestLocationClaims(t *testing.T) {
	bissen := rttFacts(t, 49.787, 6.068, 1.0, euLandmarks...)
	bissenWinding := rttFacts(t, 49.787, 6.068, 1.8, euLandmarks...)
	paris := rttFacts(t, 48.8566, 2.3522, 1.2, euLandmarks...)
	ashburn := rttFacts(t, 39.04, -77.49, 1.0, append([]string{"Ashburn,US"}, euLandmarks...)...)
	lux := WithinKm{Of: []float64{49.61, 6.13}, Km: 100}
	runClaimCases(t, []claimCase{
		{"a host in Bissen with nearby landmarks is in Luxembourg", claimLocationIn, "LU", bissen, results.StatusPass, ""},
		{"a host in Bissen is in one of Belgium and Luxembourg", claimLocationIn, []string{"BE", "LU"}, bissen, results.StatusPass, ""},
		{"a host in Bissen is in neither France nor Belgium", claimLocationIn, []string{"FR", "BE"}, bissen, results.StatusFail, ""},
		{"a host in Bissen behind winding paths cannot be pinned to Luxembourg", claimLocationIn, "LU", bissenWinding, results.StatusInconclusive, ""},
		{"a host in Paris is not in Luxembourg", claimLocationIn, "LU", paris, results.StatusFail, ""},
		{"a host in Ashburn is not in Luxembourg", claimLocationIn, "LU", ashburn, results.StatusFail, ""},
		{"a host in Bissen is provably outside the US and China", claimLocationNotIn, []string{"US", "CN"}, bissen, results.StatusPass, ""},
		{"a host in Ashburn fails not_in US", claimLocationNotIn, []string{"US", "CN"}, ashburn, results.StatusFail, ""},
		{"a host in Paris is within 100 km of Paris", claimLocationWithinKm, WithinKm{Of: []float64{48.8566, 2.3522}, Km: 100}, paris, results.StatusPass, ""},
		{"a host in Paris is not within 100 km of Luxembourg", claimLocationWithinKm, lux, paris, results.StatusFail, ""},
		{"no round trips are inconclusive", claimLocationIn, "LU", Facts{Target: "t"}, results.StatusInconclusive, ""},
		{"a near control plane answering quickly is within 100 km", claimControlPlaneMaxDistance, 100.0, cpFacts(300*time.Microsecond, 2*time.Millisecond), results.StatusPass, ""},
		{"a near front end waiting 65ms (a transatlantic backend, or a slow server) is not provably within 100 km, nor beyond", claimControlPlaneMaxDistance, 100.0, cpFacts(300*time.Microsecond, 65*time.Millisecond), results.StatusInconclusive, ""},
		{"a far front end cannot be shown within 100 km", claimControlPlaneMaxDistance, 100.0, cpFacts(8*time.Millisecond, time.Millisecond), results.StatusInconclusive, ""},
	})
}

// A host within the outlines' precision of a border cannot be placed on
// either side of it, however small its region.
func TestLocationNearABorderIsInconclusive(t *testing.T) {
	// Schengen (LU), on the Moselle where LU, FR and DE meet.
	near := rttFacts(t, 49.4706, 6.3622, 1.0, euLandmarks...)
	runClaimCases(t, []claimCase{
		{"in LU", claimLocationIn, "LU", near, results.StatusInconclusive, ""},
		{"not in FR", claimLocationNotIn, []string{"FR"}, near, results.StatusInconclusive, ""},
		{"not in US", claimLocationNotIn, []string{"US"}, near, results.StatusPass, ""},
	})
}

// Evaluate solves each target's region once, however many location claims
// read it.
func TestEvaluateSolvesOncePerTarget(t *testing.T) {
	var cs []Claim
	for _, k := range []struct {
		kind  Kind
		param any
	}{{claimLocationIn, "LU"}, {claimLocationNotIn, []string{"US"}}, {claimLocationWithinKm, WithinKm{Of: []float64{49.6, 6.1}, Km: 50}}} {
		c, err := k.kind.Parse(node(t, k.param).Decode)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	a, b := rttFacts(t, 49.787, 6.068, 1.0, euLandmarks...), rttFacts(t, 48.8566, 2.3522, 1.2, euLandmarks...)
	b.Evidence[0].Target, b.Evidence[0].ID = "u", "u/rtt"
	a.Evidence[0].Target = "t"
	before := locationSolves.Load()
	vs := Evaluate(cs, []string{"t", "u"}, append(a.Evidence, b.Evidence...))
	if n := locationSolves.Load() - before; n != 2 || len(vs) != 6 {
		t.Fatalf("%d solves for 3 claims on 2 targets (want 2), %d verdicts", n, len(vs))
	}
	if vs[0].Status != results.StatusPass || vs[1].Status != results.StatusFail {
		t.Fatalf("verdicts %+v", vs)
	}
}
