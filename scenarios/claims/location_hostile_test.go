package claims

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/geo/borders"
	"github.com/sovbench/sovbench/results"
)

var luLandmarks = []string{"Luxembourg,LU", "Ettelbruck,LU", "Wiltz,LU", "Echternach,LU"}

// lies applies one lie to each of the names.
func lies(l lie, names ...string) map[string]lie {
	out := map[string]lie{}
	for _, n := range names {
		out[n] = l
	}
	return out
}

// A lying provider controls the host's network: it can answer for a
// landmark from a proxy near it, drop landmarks and add delay. None of it
// may turn into a pass; each case has its honest twin in TestLocationClaims.
func TestLocationClaimsResistALyingHost(t *testing.T) {
	frankfurt := [2]float64{50.1109, 8.6821}
	ashburn := [2]float64{39.04, -77.49}
	fast := lie{tcp: 100 * time.Microsecond, tls: -1}
	lux := WithinKm{Of: []float64{49.61, 6.13}, Km: 100}
	withUS := append([]string{"Ashburn,US", "New York City,US"}, euLandmarks...)
	others := func(skip ...string) []string {
		var out []string
		for _, n := range withUS {
			if !strings.Contains(strings.Join(skip, "|"), n) {
				out = append(out, n)
			}
		}
		return out
	}
	// Every landmark but Luxembourg's is dropped (tcp and tls).
	dropOthers := lies(lie{tcp: 0, tls: 0}, others(luLandmarks...)...)
	forgeLU := func(m map[string]lie, tls time.Duration, class results.FailureClass) map[string]lie {
		for _, n := range luLandmarks {
			m[n] = lie{tcp: 100 * time.Microsecond, tls: tls, class: class}
		}
		return m
	}
	runClaimCases(t, []claimCase{
		{"a proxy near Luxembourg's landmarks cannot place a Frankfurt host within 100 km of Luxembourg", claimLocationWithinKm, lux,
			pathFacts(t, frankfurt[0], frankfurt[1], 1.0, true, lies(fast, luLandmarks...), euLandmarks...), results.StatusInconclusive, ""},
		{"a proxy near Luxembourg's landmarks cannot put a Frankfurt host in Luxembourg", claimLocationIn, "LU",
			pathFacts(t, frankfurt[0], frankfurt[1], 1.0, true, lies(fast, luLandmarks...), euLandmarks...), results.StatusInconclusive, ""},
		{"without authenticated round trips, forged near answers cannot pass", claimLocationWithinKm, lux,
			pathFacts(t, frankfurt[0], frankfurt[1], 1.0, false, lies(fast, luLandmarks...), euLandmarks...), results.StatusInconclusive, ""},
		{"a proxy answering the handshake with another key is caught", claimLocationNotIn, []string{"US", "CN"},
			pathFacts(t, ashburn[0], ashburn[1], 1.0, true, forgeLU(dropOthers, 0, results.ClassTLSIntercepted), withUS...), results.StatusInconclusive, ""},
		{"forging Luxembourg and dropping every other landmark cannot take Ashburn out of the US", claimLocationNotIn, []string{"US", "CN"},
			pathFacts(t, ashburn[0], ashburn[1], 1.0, true, forgeLU(lies(lie{tcp: 0, tls: 0}, others(luLandmarks...)...), -1, ""), withUS...), results.StatusInconclusive, ""},
		{"dropping the US landmarks leaves the US possible", claimLocationNotIn, []string{"US", "CN"},
			pathFacts(t, ashburn[0], ashburn[1], 1.0, true, lies(lie{tcp: 0, tls: 0}, "Ashburn,US", "New York City,US", "Washington D.C.,US"), withUS...), results.StatusInconclusive, ""},
		{"added delay only widens the region: Ashburn still fails", claimLocationNotIn, []string{"US"},
			pathFacts(t, ashburn[0], ashburn[1], 3.0, true, nil, withUS...), results.StatusFail, ""},
		{"added delay on the US landmarks leaves the US possible", claimLocationNotIn, []string{"US"},
			pathFacts(t, ashburn[0], ashburn[1], 1.0, true, lies(lie{tcp: 90 * time.Millisecond, tls: 90 * time.Millisecond},
				"Ashburn,US", "New York City,US", "Washington D.C.,US"), withUS...), results.StatusInconclusive, ""},
		{"an honest host that lost most authenticated landmarks cannot pass", claimLocationNotIn, []string{"US", "CN"},
			pathFacts(t, 49.787, 6.068, 1.0, true, lies(lie{tcp: -1, tls: 0}, others(luLandmarks...)...), withUS...), results.StatusInconclusive, ""},
	})
}

// Property: over random landmark sets, hosts, honest path inflation and a
// random hostile provider (forged near answers, drops, delay, impersonated
// handshakes), every location claim evaluates without panicking and none
// passes against the truth.
func TestLocationClaimsNeverPassAgainstTheTruth(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 3))
	var places []geo.Landmark
	for _, l := range geo.Catalogue() {
		if l.Population >= 300000 {
			places = append(places, l)
		}
	}
	codes := []string{"LU", "FR", "DE", "BE", "US", "CN", "GB", "NZ", "BR", "IN"}
	passes := 0
	for i := range 400 {
		truth := places[rng.IntN(len(places))]
		var names []string
		for range 3 + rng.IntN(40) {
			names = append(names, places[rng.IntN(len(places))].Name)
		}
		ls := map[string]lie{}
		hostile := rng.IntN(2) == 0
		for _, n := range names {
			if !hostile {
				break
			}
			switch rng.IntN(12) {
			case 0:
				ls[n] = lie{tcp: time.Duration(rng.IntN(500)) * time.Microsecond, tls: -1}
			case 1:
				ls[n] = lie{tcp: 0, tls: 0}
			case 2:
				ls[n] = lie{tcp: -1, tls: 0, class: results.ClassTLSIntercepted}
			case 3:
				ls[n] = lie{tcp: time.Duration(rng.IntN(500)) * time.Microsecond, tls: 0}
			}
		}
		f := pathFacts(t, truth.Lat, truth.Lon, 1+3*rng.Float64()*rng.Float64(), rng.IntN(5) > 0, ls, names...)
		f.cache = map[string]any{}
		cc := codes[rng.IntN(len(codes))]
		c, _ := borders.Lookup(cc)
		inC := c.Polygon().ContainsPoint(geo.Landmark{Lat: truth.Lat, Lon: truth.Lon}.Point())
		km := 10 + 3000*rng.Float64()
		at := places[rng.IntN(len(places))]
		near := geo.DistanceKm(truth.Lat, truth.Lon, at.Lat, at.Lon) <= km
		for _, k := range []struct {
			kind  Kind
			param any
			ok    bool // a pass would be true
		}{
			{claimLocationIn, cc, inC}, {claimLocationIn, []string{cc}, inC}, {claimLocationNotIn, []string{cc}, !inC},
			{claimLocationWithinKm, WithinKm{Of: []float64{at.Lat, at.Lon}, Km: km}, near},
		} {
			eval, err := k.kind.parse(node(t, k.param).Decode)
			if err != nil {
				t.Fatal(err)
			}
			o := eval(f)
			if o.Status == results.StatusPass && !k.ok {
				t.Fatalf("case %d: %s %v passes for a host at %s: %s", i, k.kind.Name, k.param, truth.Name, o.Reason)
			}
			if o.Status == results.StatusPass {
				passes++
			}
		}
	}
	if passes < 100 {
		t.Fatalf("only %d passes in 1600 verdicts: the property says little", passes)
	}
	t.Logf("%d passes in 1600 verdicts, none false", passes)
}

// A proxy next to a host in Frankfurt answers TCP for Luxembourg's
// landmark in 0.4 ms: that disk (40 km) and the honest one of Frankfurt's
// landmark cannot both hold, 190 km apart. Every location claim is then
// inconclusive naming the two landmarks, never a verdict on a region the
// forged answer drew; the honest twin keeps its verdicts.
func TestLocationClaimsNameInconsistentLandmarks(t *testing.T) {
	fra := [2]float64{50.1109, 8.6821}
	forged := pathFacts(t, fra[0], fra[1], 1.5, true, lies(lie{tcp: 400 * time.Microsecond, tls: -1}, "Luxembourg,LU"), euLandmarks...)
	honest := pathFacts(t, fra[0], fra[1], 1.5, true, nil, euLandmarks...)
	for _, c := range []struct {
		kind  Kind
		param any
		twin  results.Status
	}{
		{claimLocationIn, "DE", results.StatusPass},
		{claimLocationIn, "LU", results.StatusFail},
		{claimLocationNotIn, []string{"US", "CN"}, results.StatusPass},
		{claimLocationWithinKm, WithinKm{Of: []float64{49.61, 6.13}, Km: 100}, results.StatusFail},
	} {
		eval, err := c.kind.parse(node(t, c.param).Decode)
		if err != nil {
			t.Fatal(err)
		}
		o := eval(forged)
		if o.Status != results.StatusInconclusive || !strings.Contains(o.Reason, "Luxembourg") ||
			!strings.Contains(o.Reason, "Frankfurt am Main") || !strings.Contains(o.Reason, "km apart") {
			t.Errorf("%s %v: %s (%s), want inconclusive naming Luxembourg and Frankfurt am Main", c.kind.Name, c.param, o.Status, o.Reason)
		}
		if o := eval(honest); o.Status != c.twin {
			t.Errorf("honest twin: %s %v: %s (%s), want %s", c.kind.Name, c.param, o.Status, o.Reason, c.twin)
		}
	}
}
