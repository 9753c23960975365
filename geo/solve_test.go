package geo

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/golang/geo/s2"
)

// Places of the tests: a host's true position and the landmarks around it.
var (
	bissen    = Landmark{Name: "Bissen", Country: "LU", Lat: 49.787, Lon: 6.068}
	paris     = Landmark{Name: "Paris", Country: "FR", Lat: 48.8534, Lon: 2.3488}
	dublin    = Landmark{Name: "Dublin", Country: "IE", Lat: 53.3331, Lon: -6.2489}
	frankfurt = Landmark{Name: "Frankfurt", Country: "DE", Lat: 50.1155, Lon: 8.6842}
	ashburn   = Landmark{Name: "Ashburn", Country: "US", Lat: 39.04, Lon: -77.49}
)

// europeLandmarks is a ring of landmarks around Europe, plus one in the US.
func europeLandmarks(t testing.TB) []Landmark {
	t.Helper()
	var out []Landmark
	for _, n := range []string{"Luxembourg,LU", "Ettelbruck,LU", "Wiltz,LU", "Echternach,LU", "Brussels,BE", "Amsterdam,NL",
		"London,GB", "Paris,FR", "Lyon,FR", "Frankfurt am Main,DE", "Berlin,DE", "Munich,DE", "Zürich,CH",
		"Milan,IT", "Madrid,ES", "Dublin,IE", "Copenhagen,DK", "Warsaw,PL", "Vienna,AT", "Washington D.C.,US"} {
		l, ok := LookupLandmark(n)
		if !ok {
			t.Fatalf("landmark %s is not in the catalogue", n)
		}
		out = append(out, l)
	}
	return out
}

// synthetic returns the RTTs a host at truth would see over fibre paths
// inflation times longer than the great circle, plus a fixed delay.
func synthetic(truth Landmark, lms []Landmark, inflation float64, fixed time.Duration) []Measurement {
	var ms []Measurement
	for _, l := range lms {
		km := DistanceKm(truth.Lat, truth.Lon, l.Lat, l.Lon)
		ms = append(ms, Measurement{Landmark: l, RTT: RoundTripAt(km*inflation, FibreKmPerMs) + fixed})
	}
	return ms
}

func TestSolveContainsTruth(t *testing.T) {
	lms := europeLandmarks(t)
	for _, tc := range []struct {
		name      string
		truth     Landmark
		inflation float64
		fixed     time.Duration
	}{
		{"a host in Bissen on straight fibre is inside its region", bissen, 1.0, 40 * time.Microsecond},
		{"a host in Bissen timed exactly is inside its sliver of a region", bissen, 1.0, 0},
		{"a host in Paris timed to within 2 µs is inside its sliver of a region", paris, 1.0, 2 * time.Microsecond},
		{"a host in Bissen behind winding paths is inside its region", bissen, 1.6, 2 * time.Millisecond},
		{"a host in Paris is inside its region", paris, 1.3, 300 * time.Microsecond},
		{"a host in Dublin is inside its region", dublin, 1.3, 300 * time.Microsecond},
		{"a host in Frankfurt is inside its region", frankfurt, 1.1, 100 * time.Microsecond},
		{"a host in Ashburn is inside its region", ashburn, 1.2, 200 * time.Microsecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Solve(synthetic(tc.truth, lms, tc.inflation, tc.fixed), Options{})
			if r.Empty || r.Unconstrained() {
				t.Fatalf("region %s", r)
			}
			// Timed exactly, every circle passes through the truth and the
			// region shrinks to a point: allow the solver's 10 m resolution.
			if !r.poly.ContainsPoint(tc.truth.Point()) && r.NearestKm(tc.truth.Lat, tc.truth.Lon) > 0.01 {
				t.Fatalf("truth %v %.3f km outside region %s", tc.truth, r.NearestKm(tc.truth.Lat, tc.truth.Lon), r)
			}
			if c := r.Centroid; DistanceKm(c[0], c[1], tc.truth.Lat, tc.truth.Lon) > r.EnclosingRadiusKm*2+0.05 {
				t.Errorf("centroid %v far from truth", c)
			}
			t.Logf("%s", r)
		})
	}
}

func TestSolveVerdicts(t *testing.T) {
	lms := europeLandmarks(t)
	for _, tc := range []struct {
		name    string
		truth   Landmark
		infl    float64
		fixed   time.Duration
		country string
		want    Relation
	}{
		{"a host in Bissen on straight paths is provably in Luxembourg", bissen, 1.0, 40 * time.Microsecond, "LU", Inside},
		{"a host in Bissen is provably not in the US", bissen, 1.3, 0, "US", Outside},
		{"a host in Bissen is provably not in China", bissen, 1.3, 0, "CN", Outside},
		{"a host in Paris is provably not in Luxembourg", paris, 1.3, 0, "LU", Outside},
		{"a host in Ashburn is provably not in Luxembourg", ashburn, 1.2, 0, "LU", Outside},
		{"a host in Ashburn next to a landmark is provably in the US", ashburn, 1.0, 40 * time.Microsecond, "US", Inside},
		{"a host in Ashburn 40 km from the only US landmark may be over water", ashburn, 1.0, 40 * time.Microsecond, "US", Overlaps},
		{"a host in Bissen behind winding paths cannot be pinned to Luxembourg", bissen, 2.0, 0, "LU", Overlaps},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ls := lms
			if strings.Contains(tc.name, "next to a landmark") {
				ls = append(ls[:len(ls):len(ls)], tc.truth)
			}
			r := Solve(synthetic(tc.truth, ls, tc.infl, tc.fixed), Options{})
			got, err := r.RelateCountry(testCountry(tc.country))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("relation to %s = %s, want %s (region %s)", tc.country, got, tc.want, r)
			}
		})
	}
}

func TestSolveEmptyAndUnconstrained(t *testing.T) {
	lms := europeLandmarks(t)
	t.Run("round trips faster than light leave no region", func(t *testing.T) {
		ms := synthetic(bissen, lms, 0.5, 0)
		r := Solve(ms, Options{Mode: ModeStrict})
		if !r.Empty {
			t.Fatalf("want empty, got %s", r)
		}
		if rel, _ := r.RelateCountry(testCountry("LU")); rel != Unknown {
			t.Fatalf("relation of an empty region = %s", rel)
		}
	})
	t.Run("landmarks a hemisphere away constrain nothing", func(t *testing.T) {
		r := Solve([]Measurement{{Landmark: paris, RTT: 150 * time.Millisecond}}, Options{})
		if !r.Unconstrained() || r.Constraints[0].Used {
			t.Fatalf("want unconstrained, got %s %+v", r, r.Constraints)
		}
	})
}

func TestRelateDisk(t *testing.T) {
	r := Solve(synthetic(bissen, europeLandmarks(t), 1.0, 40*time.Microsecond), Options{})
	for _, tc := range []struct {
		name     string
		lat, lon float64
		km       float64
		want     Relation
	}{
		{"a 100 km disk around Luxembourg city holds a Bissen host", 49.61, 6.13, 100, Inside},
		{"a 100 km disk around Paris misses it", paris.Lat, paris.Lon, 100, Outside},
		{"a 1 km disk around Bissen overlaps the region", bissen.Lat, bissen.Lon, 1, Overlaps},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.RelateDisk(tc.lat, tc.lon, tc.km); got != tc.want {
				t.Fatalf("got %s, want %s (region %s)", got, tc.want, r)
			}
		})
	}
}

func TestEnclosingCapOfASquare(t *testing.T) {
	// Four points 1° from a centre on the equator: radius 1°.
	pts := []Landmark{{Lat: 1}, {Lat: -1}, {Lon: 1}, {Lon: -1}, {Lat: 0.5, Lon: 0.5}}
	var ps = make([]s2.Point, 0, len(pts))
	for _, p := range pts {
		ps = append(ps, p.Point())
	}
	c := EnclosingCap(ps)
	if got := c.Radius().Degrees(); math.Abs(got-1) > 1e-9 {
		t.Fatalf("radius %v°, want 1°", got)
	}
}

func TestCombineAndGap(t *testing.T) {
	at := func(name string, lat, lon float64, ms float64) Measurement {
		return Measurement{Landmark: Landmark{Name: name, Lat: lat, Lon: lon}, RTT: time.Duration(ms * float64(time.Millisecond))}
	}
	// Round trips of a host near Luxembourg, and of a host near Ashburn.
	lux := Solve([]Measurement{at("lux", 49.61, 6.13, 1), at("fra", 50.11, 8.68, 3), at("par", 48.86, 2.35, 4)}, Options{})
	ash := Solve([]Measurement{at("ash", 39.04, -77.49, 1), at("nyc", 40.71, -74.01, 4)}, Options{})
	wide := Solve([]Measurement{at("fra", 50.11, 8.68, 20)}, Options{})
	if c := Combine(lux, ash, Options{}); !c.Empty {
		t.Errorf("Luxembourg and Ashburn regions combine into %s", c)
	}
	if gap := lux.GapKm(ash); gap < 5500 || gap > 6500 {
		t.Errorf("gap Luxembourg–Ashburn %.0f km", gap)
	}
	c := Combine(lux, wide, Options{})
	if c.Empty || c.AreaKm2 > lux.AreaKm2 || lux.GapKm(wide) != 0 {
		t.Errorf("a wide region around Frankfurt and a small one near Luxembourg: combined %s, gap %.0f", c, lux.GapKm(wide))
	}
}
