package geo

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"
)

// landmarksN picks n catalogue places: the largest European cities first,
// then the largest elsewhere.
func landmarksN(b testing.TB, n int) []Landmark {
	var out []Landmark
	for _, l := range Catalogue() {
		if l.Population >= 300000 && l.Lat > 35 && l.Lat < 65 && l.Lon > -12 && l.Lon < 35 {
			out = append(out, l)
		}
	}
	for _, l := range Catalogue() {
		if len(out) >= n {
			break
		}
		if l.Population >= 300000 && !(l.Lat > 35 && l.Lat < 65 && l.Lon > -12 && l.Lon < 35) {
			out = append(out, l)
		}
	}
	if len(out) < n {
		b.Fatalf("only %d landmarks", len(out))
	}
	return out[:n]
}

// realistic returns the round trips a host at truth sees over paths
// inflated 1.2 to 4 times (uniformly, seeded) plus 0.1 to 1 ms of access
// delay: the paths of the real Internet, not the great circle.
func realistic(truth Landmark, lms []Landmark, seed uint64) []Measurement {
	rng := rand.New(rand.NewPCG(seed, 7))
	var ms []Measurement
	for _, l := range lms {
		km := DistanceKm(truth.Lat, truth.Lon, l.Lat, l.Lon) * (1.2 + 2.8*rng.Float64())
		access := time.Duration((0.1 + 0.9*rng.Float64()) * float64(time.Millisecond))
		ms = append(ms, Measurement{Landmark: l, RTT: RoundTripAt(km, FibreKmPerMs) + access})
	}
	return ms
}

// BenchmarkSolve solves a host in Bissen against 200 and 800 landmarks,
// on ideal paths (a region of a few km, the slowest case for a solver that
// samples circles), realistic ones (hundreds of km) and far ones (a host
// in Honolulu, thousands of km). Targets: ≤ 2 ms at 200 landmarks and
// ≤ 10 ms at 800, for any region size.
func BenchmarkSolve(b *testing.B) {
	honolulu := Landmark{Name: "Honolulu", Lat: 21.3069, Lon: -157.8583}
	for _, n := range []int{200, 800} {
		lms := landmarksN(b, n)
		for _, tc := range []struct {
			name  string
			truth Landmark
			ms    []Measurement
		}{
			{"ideal", bissen, synthetic(bissen, lms, 1.0, 40*time.Microsecond)},
			{"realistic", bissen, realistic(bissen, lms, 1)},
			{"far", honolulu, realistic(honolulu, lms, 2)},
		} {
			b.Run(fmt.Sprintf("%d/%s", n, tc.name), func(b *testing.B) {
				b.ReportAllocs()
				var r *Region
				cpu := cpuTime()
				for b.Loop() {
					r = Solve(tc.ms, Options{})
				}
				reportCPU(b, cpu)
				if r.Empty || !r.Unconstrained() && r.NearestKm(tc.truth.Lat, tc.truth.Lon) > 0.01 {
					b.Fatalf("bad region %s", r)
				}
				b.ReportMetric(r.EnclosingRadiusKm, "radius_km")
			})
		}
	}
}

// BenchmarkRelateCountry relates a solved region to Luxembourg and the US.
func BenchmarkRelateCountry(b *testing.B) {
	r := Solve(realistic(bissen, landmarksN(b, 200), 1), Options{})
	testCountries()
	for b.Loop() {
		for _, cc := range []string{"LU", "US"} {
			if _, err := r.RelateCountry(testCountry(cc)); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkConflicts is the consistency check at 200 and 800 landmarks:
// on a consistent region (only disks left out of the solve are checked)
// and on one a forged answer emptied (every pair is checked).
func BenchmarkConflicts(b *testing.B) {
	lux := Landmark{Name: "forged", Lat: 49.6117, Lon: 6.13}
	for _, n := range []int{200, 800} {
		honest := realistic(bissen, landmarksN(b, n), 1)
		forged := append(realistic(frankfurt, landmarksN(b, n), 1), Measurement{Landmark: lux, RTT: 100 * time.Microsecond})
		for _, tc := range []struct {
			name string
			r    *Region
		}{{"consistent", Solve(honest, Options{})}, {"forged", Solve(forged, Options{})}} {
			b.Run(fmt.Sprintf("%d/%s", n, tc.name), func(b *testing.B) {
				var c []Conflict
				cpu := cpuTime()
				for b.Loop() {
					c = tc.r.Conflicts()
				}
				reportCPU(b, cpu)
				if (tc.name == "forged") != (len(c) > 0) {
					b.Fatalf("%d conflicts on %s", len(c), tc.r)
				}
				b.ReportMetric(float64(len(c)), "conflicts")
			})
		}
	}
}

// cpuTime is the CPU time this process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the process's CPU time per operation since since: with
// -cpu 1 it is the cost of one operation (GC included), which the machine's
// other load does not inflate as it does wall time.
func reportCPU(b *testing.B, since time.Duration) {
	b.ReportMetric(float64(cpuTime()-since)/float64(b.N), "cpu-ns/op")
}
