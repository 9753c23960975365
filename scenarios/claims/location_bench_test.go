package claims

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/results"
)

// BenchmarkEvaluateLocation evaluates the three location claims on one
// host in Bissen measured (TCP and authenticated TLS) against 200 and 800
// catalogue landmarks over realistic paths (inflation 1.2–4, 0.1–1 ms of
// access): two solves (every sample, authenticated only), the
// consistency check of each, and the claims' questions.
//
//	go test ./scenarios/claims -run '^$' -bench EvaluateLocation -cpu 1
func BenchmarkEvaluateLocation(b *testing.B) {
	var cs []Claim
	for _, k := range []struct {
		kind  Kind
		param any
	}{{claimLocationIn, "LU"}, {claimLocationNotIn, []string{"US", "CN"}}, {claimLocationWithinKm, WithinKm{Of: []float64{49.6, 6.1}, Km: 50}}} {
		c, err := k.kind.Parse(node(b, k.param).Decode)
		if err != nil {
			b.Fatal(err)
		}
		cs = append(cs, c)
	}
	var places []geo.Landmark
	for _, l := range geo.Catalogue() {
		if l.Population >= 300000 {
			places = append(places, l)
		}
	}
	for _, n := range []int{200, 800} {
		rng := rand.New(rand.NewPCG(17, uint64(n)))
		var lms []results.LandmarkRTT
		for _, l := range places[:n] {
			km := geo.DistanceKm(49.787, 6.068, l.Lat, l.Lon) * (1.2 + 2.8*rng.Float64())
			rtt := geo.RoundTripAt(km, geo.FibreKmPerMs) + time.Duration((0.1+0.9*rng.Float64())*float64(time.Millisecond))
			lms = append(lms, series(l, "tcp", rtt, ""), series(l, "tls", rtt+50*time.Microsecond, ""))
		}
		ev := []results.Evidence{{ID: "t/rtt", Target: "t", Probe: "rtt", RTT: &results.RTTDetails{Landmarks: lms}}}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var before, after syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
			for b.Loop() {
				if vs := Evaluate(cs, []string{"t"}, ev); len(vs) != 3 {
					b.Fatalf("%d verdicts", len(vs))
				}
			}
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
			cpu := after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano()
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}
