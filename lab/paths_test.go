package lab

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/sovbench/sovbench/lab/netem"
)

// The path model draws every link within its ranges, the same both ways
// and on every run with one seed, and differently with another.
func TestPathModelIsSeededAndBounded(t *testing.T) {
	m := PathModel{}.withDefaults()
	lux, paris := Location{Lat: 49.61, Lon: 6.13}, Location{Lat: 48.86, Lon: 2.35}
	a, b := netip.MustParseAddr("198.18.0.10"), netip.MustParseAddr("198.19.1.6")
	ideal := OneWayDelay(lux, paris, 1)
	seen := map[time.Duration]bool{}
	for seed := range int64(50) {
		d := m.Delay(seed, a, lux, b, paris)
		if back := m.Delay(seed, b, paris, a, lux); back != d {
			t.Fatalf("seed %d: %s one way, %s back", seed, d, back)
		}
		if again := m.Delay(seed, a, lux, b, paris); again != d {
			t.Fatalf("seed %d: %s, then %s", seed, d, again)
		}
		lo := time.Duration(float64(ideal)*1.2) + 200*time.Microsecond
		hi := time.Duration(float64(ideal)*4) + 2*time.Millisecond
		if d < lo || d > hi {
			t.Fatalf("seed %d: %s outside [%s, %s]", seed, d, lo, hi)
		}
		seen[d] = true
	}
	if len(seen) < 45 {
		t.Fatalf("50 seeds gave %d delays", len(seen))
	}
}

// No emulated packet is faster than light in fibre over the true great
// circle, let alone light in vacuum: inflation is ≥ 1, access delays ≥ 0,
// and jitter only adds queueing. A property over random places, addresses,
// seeds and jitter draws, for the path model, the same-site rule and the
// single-inflation lab.
func TestNoEmulatedDelayBeatsLight(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 17))
	place := func() Location { return Location{Lat: rng.Float64()*180 - 90, Lon: rng.Float64()*360 - 180} }
	addr := func() netip.Addr {
		return netip.AddrFrom4([4]byte{198, 18 + byte(rng.IntN(2)), byte(rng.IntN(256)), byte(rng.IntN(256))})
	}
	models := []*PathModel{nil, {Inflation: [2]float64{1, 1}}, {Inflation: [2]float64{1.2, 4}, Access: [2]time.Duration{0, time.Millisecond}}}
	for i := range 20000 {
		m := models[i%len(models)]
		if m != nil {
			*m = m.withDefaults()
		}
		topo := &Topology{Inflation: 1 + rng.Float64()*rng.Float64()*3, Seed: rng.Int64(), Paths: m}
		ls, ld, src, dst := place(), place(), addr(), addr()
		jitter := netem.JitterDelay(rng, time.Duration(rng.IntN(5))*time.Millisecond)
		d := topo.OneWay(src, ls, dst, ld, rng.IntN(4) == 0) + jitter
		km := DistanceKm(ls, ld)
		fibre := time.Duration(km / fibreKmPerSecond * float64(time.Second))
		light := time.Duration(km / 299792.458 * float64(time.Second))
		if jitter < 0 || d < fibre || d < light {
			t.Fatalf("case %d (%+v): %s over %.0f km (jitter %s), faster than fibre (%s) or light (%s)", i, topo, d, km, jitter, fibre, light)
		}
	}
}
