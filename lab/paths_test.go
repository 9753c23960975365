package lab

import (
	"net/netip"
	"testing"
	"time"
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
