package geo

import (
	"testing"
	"time"
)

// landmarks200 picks 200 catalogue places: the largest European cities and
// a few on other continents.
func landmarks200(b testing.TB) []Landmark {
	var out []Landmark
	for _, l := range Catalogue() {
		if l.Population >= 300000 && l.Lat > 35 && l.Lat < 65 && l.Lon > -12 && l.Lon < 35 {
			out = append(out, l)
		}
	}
	for _, l := range Catalogue() {
		if len(out) >= 200 {
			break
		}
		if l.Population >= 2000000 {
			out = append(out, l)
		}
	}
	if len(out) < 200 {
		b.Fatalf("only %d landmarks", len(out))
	}
	return out[:200]
}

// BenchmarkSolve200 solves a host in Bissen against 200 landmarks.
// Target: ≤ 20 ms per solve.
func BenchmarkSolve200(b *testing.B) {
	ms := synthetic(bissen, landmarks200(b), 1.3, 200*time.Microsecond)
	b.ReportAllocs()
	var r *Region
	for b.Loop() {
		r = Solve(ms, Options{})
	}
	if r.Empty || !r.poly.ContainsPoint(bissen.Point()) {
		b.Fatalf("bad region %s", r)
	}
}

// BenchmarkRelateCountry relates a solved region to Luxembourg and the US.
func BenchmarkRelateCountry(b *testing.B) {
	r := Solve(synthetic(bissen, landmarks200(b), 1.3, 200*time.Microsecond), Options{})
	Countries()
	for b.Loop() {
		for _, cc := range []string{"LU", "US"} {
			if _, err := r.RelateCountry(cc); err != nil {
				b.Fatal(err)
			}
		}
	}
}
