package geo

import (
	"fmt"
	"math"
	"time"
)

// Bestline is a CBG calibration (Gueye et al., "Constraint-based
// geolocation of Internet hosts", 2006) for one landmark: the line
// rtt = Slope·km + Intercept lying below every (distance, RTT) pair the
// landmark measured to its peers, as close to them as it can be, never
// steeper in speed than fibre. It turns an RTT into a tighter distance
// bound than speed × RTT / 2 on networks with fixed per-path delay.
type Bestline struct {
	SlopeMsPerKm float64 `json:"slope_ms_per_km"`
	InterceptMs  float64 `json:"intercept_ms"`
}

// DistanceKm is the distance bound the line gives for rtt (never negative).
func (b Bestline) DistanceKm(rtt time.Duration) float64 {
	ms := float64(rtt)/float64(time.Millisecond) - b.InterceptMs
	return max(ms/b.SlopeMsPerKm, 0)
}

// PeerDelay is one landmark-to-landmark calibration measurement.
type PeerDelay struct {
	DistanceKm float64
	RTT        time.Duration
}

// FitBestline computes the bestline of a landmark from its peer delays. It
// needs at least two peers.
func FitBestline(peers []PeerDelay) (Bestline, error) {
	if len(peers) < 2 {
		return Bestline{}, fmt.Errorf("fitting bestline: need 2 peers or more, have %d", len(peers))
	}
	xs := make([]float64, len(peers))
	ys := make([]float64, len(peers))
	for i, p := range peers {
		xs[i], ys[i] = p.DistanceKm, float64(p.RTT)/float64(time.Millisecond)
	}
	base := 2 / FibreKmPerMs // the baseline: round trip at 2/3 c
	// The optimum of this small linear program lies on a vertex: a line
	// through two points, or through one point at the baseline slope or
	// through the origin. Try them all, keep the feasible one closest to
	// the points.
	cands := []Bestline{{base, 0}}
	for i := range xs {
		cands = append(cands, Bestline{base, ys[i] - base*xs[i]})
		if xs[i] > 0 {
			cands = append(cands, Bestline{ys[i] / xs[i], 0})
		}
		for j := i + 1; j < len(xs); j++ {
			if dx := xs[j] - xs[i]; dx != 0 {
				m := (ys[j] - ys[i]) / dx
				cands = append(cands, Bestline{m, ys[i] - m*xs[i]})
			}
		}
	}
	best, bestGap := Bestline{}, math.Inf(1)
	for _, c := range cands {
		if c.SlopeMsPerKm < base-1e-12 || c.InterceptMs < -1e-9 {
			continue
		}
		gap, ok := 0.0, true
		for i := range xs {
			g := ys[i] - (c.SlopeMsPerKm*xs[i] + c.InterceptMs)
			if g < -1e-9 {
				ok = false
				break
			}
			gap += g
		}
		if ok && gap < bestGap {
			best, bestGap = c, gap
		}
	}
	if math.IsInf(bestGap, 1) {
		return Bestline{}, fmt.Errorf("fitting bestline: no line below the peers")
	}
	best.InterceptMs = max(best.InterceptMs, 0)
	return best, nil
}
