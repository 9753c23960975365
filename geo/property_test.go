package geo

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/golang/geo/s1"
)

// randomLandmarks draws n places anywhere on Earth, now and then on a pole,
// on the antimeridian, twice at one place or at each other's antipode.
func randomLandmarks(rng *rand.Rand, n int) []Landmark {
	var out []Landmark
	for i := range n {
		l := Landmark{Name: "lm" + string(rune('A'+i%26)) + string(rune('a'+i/26)),
			Lat: math.Asin(2*rng.Float64()-1) * 180 / math.Pi, Lon: 360*rng.Float64() - 180}
		switch k := rng.IntN(20); {
		case k == 0:
			l.Lat = 90 * float64(1-2*rng.IntN(2))
		case k == 1:
			l.Lon = 180 * float64(1-2*rng.IntN(2))
		case k == 2 && i > 0:
			l.Lat, l.Lon = out[i-1].Lat, out[i-1].Lon
		case k == 3 && i > 0:
			l.Lat, l.Lon = -out[i-1].Lat, out[i-1].Lon+180
			if l.Lon > 180 {
				l.Lon -= 360
			}
		}
		out = append(out, l)
	}
	return out
}

// checkFigures fails on figures a region must never show.
func checkFigures(t *testing.T, r *Region) {
	t.Helper()
	s := r.String()
	for _, x := range []float64{r.AreaKm2, r.EnclosingRadiusKm, r.Centroid[0], r.Centroid[1]} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.Fatalf("figure %v in %s", x, s)
		}
	}
	switch {
	case r.Unconstrained() && (r.AreaKm2 < 5.1e8 || r.EnclosingRadiusKm < 20000):
		t.Fatalf("an unconstrained region described as %s", s)
	case !r.Unconstrained() && !r.Empty && (r.AreaKm2 > 2.56e8 || r.EnclosingRadiusKm > 10008):
		t.Fatalf("a region within one disk smaller than a hemisphere described as %s", s)
	case r.Empty && !strings.Contains(s, "do not meet"):
		t.Fatalf("an empty region described as %s", s)
	}
}

// Honest round trips (paths at least as long as the great circle, plus
// access delay) never leave the host outside its region, wherever the host
// and the landmarks are, and every question asked of the region answers.
func TestSolveIsSoundOnRandomHonestRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 1))
	codes := []string{"LU", "US", "CN", "FR", "NZ", "RU", "FJ", "AQ", "BR"}
	for i := range 3000 {
		lms := randomLandmarks(rng, 1+rng.IntN(40))
		truth := randomLandmarks(rng, 1)[0]
		var ms []Measurement
		for _, l := range lms {
			km := DistanceKm(truth.Lat, truth.Lon, l.Lat, l.Lon) * (1 + 3*rng.Float64()*rng.Float64())
			ms = append(ms, Measurement{Landmark: l, RTT: RoundTripAt(km, FibreKmPerMs) + time.Duration(rng.IntN(2000))*time.Microsecond})
		}
		samples := 8 + rng.IntN(200)
		r := Solve(ms, Options{Samples: samples})
		checkFigures(t, r)
		checkTight(t, r, samples)
		if r.Empty {
			t.Fatalf("case %d: honest round trips leave no region: %s", i, r)
		}
		if c := r.Conflicts(); len(c) > 0 {
			t.Fatalf("case %d: honest round trips found inconsistent: %v", i, c)
		}
		if d := r.NearestKm(truth.Lat, truth.Lon); d > 0.01 {
			t.Fatalf("case %d: the host at %v,%v is %.3f km outside %s", i, truth.Lat, truth.Lon, d, r)
		}
		if rel := r.RelateDisk(truth.Lat, truth.Lon, 0.01); rel == Outside || rel == Unknown {
			t.Fatalf("case %d: the host's own 10 m disk is %s %s", i, rel, r)
		}
		if f := r.FarthestKm(truth.Lat, truth.Lon); f < 0 || f > halfRoundKm+1e-6 {
			t.Fatalf("case %d: farthest %v", i, f)
		}
		for _, cc := range codes {
			rel, err := r.RelateCountry(testCountry(cc))
			if err != nil {
				t.Fatal(err)
			}
			c := testCountry(cc)
			if c.polygon.ContainsPoint(truth.Point()) && rel == Outside {
				t.Fatalf("case %d: a host in %s is said outside it: %s", i, cc, r)
			}
		}
	}
}

// checkTight fails when an outline vertex lies farther outside a disk than
// drawing arcs as chords of slightly larger circles allows: the region must
// be an outer bound, but not a loose one.
func checkTight(t *testing.T, r *Region, samples int) {
	t.Helper()
	if r.Empty || r.Unconstrained() || r.loop == nil {
		return
	}
	grow := 0.0
	for _, k := range r.circles {
		grow = max(grow, inflate(min(k.rad, maxRadius), twoPi/float64(samples))-k.rad)
	}
	for _, v := range r.loop.Vertices() {
		for _, k := range r.circles {
			if d := float64(k.c.Distance(v)) - k.rad; d > grow+1e-6 {
				t.Fatalf("vertex %v lies %.3f km outside the disk of %s (allowed %.3f km): %s",
					latLonOf(v), kmOf(s1.Angle(d)), k.name, kmOf(s1.Angle(grow)), r)
			}
		}
	}
}

// Any round trips at all (too fast, zero, negative, huge) give a region
// or a truthful "empty" or "unconstrained", never a panic.
func TestSolveNeverPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 2))
	for range 3000 {
		lms := randomLandmarks(rng, rng.IntN(30))
		var ms []Measurement
		for _, l := range lms {
			rtt := time.Duration(rng.Int64N(int64(300*time.Millisecond))) - 5*time.Millisecond
			if rng.IntN(5) == 0 {
				rtt = time.Duration(rng.Int64N(int64(2 * time.Millisecond)))
			}
			ms = append(ms, Measurement{Landmark: l, RTT: rtt})
		}
		exercise(t, Solve(ms, Options{Mode: []Mode{ModeFibre, ModeStrict}[rng.IntN(2)]}))
	}
}

// exercise asks every question of a region.
func exercise(t *testing.T, r *Region) {
	t.Helper()
	checkFigures(t, r)
	for _, c := range r.Conflicts() {
		if c.ShortKm() <= 0 || (!r.Empty && !unused(r, c.A) && !unused(r, c.B)) {
			t.Fatalf("conflict %v in %s", c, r)
		}
	}
	for _, cc := range []string{"LU", "US", "CN", "NZ", "AQ", "FJ"} {
		if _, err := r.RelateCountry(testCountry(cc)); err != nil {
			t.Fatal(err)
		}
		r.BorderDistanceKm(testCountry(cc))
	}
	for _, p := range [][3]float64{{0, 0, 100}, {90, 0, 5000}, {-45, 179.9, 20000}, {49.6, 6.1, 1}} {
		r.RelateDisk(p[0], p[1], p[2])
		r.FarthestKm(p[0], p[1])
		r.NearestKm(p[0], p[1])
	}
}

func TestSolveEdgeRegions(t *testing.T) {
	at := func(lat, lon float64) Landmark { return Landmark{Name: "x", Lat: lat, Lon: lon} }
	rtt := func(km float64) time.Duration { return RoundTripAt(km, FibreKmPerMs) }
	for _, tc := range []struct {
		name string
		ms   []Measurement
		want string // what String() starts with
	}{
		{"no landmark leaves the whole Earth", nil, "unconstrained"},
		{"a disk of 89.9° is nearly a hemisphere", []Measurement{{at(10, 20), rtt(9990)}}, ""},
		{"two disks of 89.9° around antipodes do not meet", []Measurement{{at(10, 20), rtt(9990)}, {at(-10, -160), rtt(9990)}}, "empty"},
		{"two disks just under a hemisphere around near-antipodes leave a sliver", []Measurement{{at(0, 0), rtt(10007.5)}, {at(0, 179.9), rtt(10007.5)}}, "1"},
		{"disks around both poles meet at the equator", []Measurement{{at(90, 0), rtt(9900)}, {at(-90, 0), rtt(9900)}}, "empty"},
		{"a disk across the antimeridian", []Measurement{{at(-17, 179.9), rtt(300)}, {at(-18, -179.5), rtt(300)}}, ""},
		{"one landmark measured twice is one disk", []Measurement{{at(49, 6), rtt(50)}, {at(49, 6), rtt(50)}}, ""},
		{"a landmark without a position is left out", []Measurement{{at(91, 400), rtt(50)}}, "unconstrained"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Solve(tc.ms, Options{})
			exercise(t, r)
			if !strings.HasPrefix(r.String(), tc.want) {
				t.Fatalf("region %s, want %q", r, tc.want)
			}
			t.Log(r)
		})
	}
	t.Run("a region of nearly a hemisphere relates to far countries truthfully", func(t *testing.T) {
		r := Solve([]Measurement{{at(0, 0), rtt(9900)}}, Options{})
		for cc, want := range map[string]Relation{"NZ": Outside, "JP": Outside, "GA": Overlaps, "FR": Overlaps} {
			if got, _ := r.RelateCountry(testCountry(cc)); got != want {
				t.Errorf("%s: %s, want %s (%s)", cc, got, want, r)
			}
		}
	})
}

// FuzzSolve reads landmarks and round trips from bytes: any input solves
// without panicking and with truthful figures.
func FuzzSolve(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Add(make([]byte, 48))
	f.Fuzz(func(t *testing.T, b []byte) {
		var ms []Measurement
		for len(b) >= 12 && len(ms) < 64 {
			lat := float64(int32(binary.LittleEndian.Uint32(b[0:4]))) / float64(math.MaxInt32) * 90
			lon := float64(int32(binary.LittleEndian.Uint32(b[4:8]))) / float64(math.MaxInt32) * 180
			rtt := time.Duration(binary.LittleEndian.Uint32(b[8:12])) * time.Microsecond / 8
			ms = append(ms, Measurement{Landmark: Landmark{Name: "f", Lat: lat, Lon: lon}, RTT: rtt})
			b = b[12:]
		}
		exercise(t, Solve(ms, Options{}))
	})
}

// unused reports whether the solve left the named landmark's disk out.
func unused(r *Region, name string) bool {
	for _, d := range r.Constraints {
		if d.Landmark == name && !d.Used {
			return true
		}
	}
	return false
}
