package geo

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
)

// Mode names the speed a solve assumes.
type Mode string

// Modes.
const (
	// ModeFibre assumes 2/3 c: the usual bound, about 100 km per ms of RTT.
	ModeFibre Mode = "fibre"
	// ModeStrict assumes c: a bound no path can beat.
	ModeStrict Mode = "strict"
	// ModeCalibrated uses each landmark's CBG bestline (see Bestline) and
	// falls back on fibre speed for landmarks without one.
	ModeCalibrated Mode = "calibrated"
)

// Speed returns the speed in km/ms a mode assumes for uncalibrated disks.
func (m Mode) Speed() float64 {
	if m == ModeStrict {
		return SpeedOfLightKmPerMs
	}
	return FibreKmPerMs
}

// Measurement is the minimum round trip from the host to one landmark.
type Measurement struct {
	Landmark Landmark
	RTT      time.Duration
}

// Options tune a solve.
type Options struct {
	Mode Mode // default ModeFibre
	// Bestlines maps a landmark name to its calibration (ModeCalibrated).
	Bestlines map[string]Bestline
	// Samples is how many points describe each disk's circle (default 180).
	Samples int
}

// maxRadius is the largest disk that still constrains a convex region: a
// disk of a hemisphere or more says nothing a smaller one would not.
const maxRadius = math.Pi/2 - 1e-6

// Region is the set of places the host can be, given the measurements. It
// is an outer bound: the polygon contains the intersection of the disks.
type Region struct {
	Solution
	caps []s2.Cap // constraints used, smallest first, inflated as sampled
	loop *s2.Loop // nil when empty or unconstrained
	poly *s2.Polygon
}

// Unconstrained reports whether no disk constrains the region.
func (r *Region) Unconstrained() bool { return len(r.caps) == 0 }

// Solve intersects one disk per measurement. Disks too large to constrain
// (a hemisphere or more) are recorded as unused. It never fails: an empty
// intersection is a finding (some RTT is faster than the speed allows).
func Solve(ms []Measurement, o Options) *Region {
	if o.Mode == "" {
		o.Mode = ModeFibre
	}
	if o.Samples < 8 {
		o.Samples = 180
	}
	r := &Region{Solution: Solution{SpeedKmPerMs: round6(o.Mode.Speed()), Mode: o.Mode}}
	for _, m := range ms {
		d := Disk{Landmark: m.Landmark.Name, Lat: m.Landmark.Lat, Lon: m.Landmark.Lon, RTTMin: m.RTT}
		km := MaxDistanceKm(m.RTT, o.Mode.Speed())
		if bl, ok := o.Bestlines[m.Landmark.Name]; ok && o.Mode == ModeCalibrated {
			km = bl.DistanceKm(m.RTT)
			d.Note = "calibrated"
		}
		d.RadiusKm = math.Round(km*1000) / 1000
		switch {
		case m.RTT <= 0:
			d.Note = "no round trip measured"
		case angleOf(km) >= maxRadius:
			d.Note = "too far to constrain: the disk covers a hemisphere"
		default:
			d.Used = true
			r.caps = append(r.caps, s2.CapFromCenterAngle(m.Landmark.Point(), inflate(angleOf(km), o.Samples)))
		}
		r.Constraints = append(r.Constraints, d)
	}
	slices.SortFunc(r.caps, func(a, b s2.Cap) int { return cmpAngle(a.Radius(), b.Radius()) })
	if len(r.caps) == 0 {
		return r
	}
	pts := r.boundary(o.Samples)
	if len(pts) == 0 {
		r.Empty = true
		return r
	}
	r.setPolygon(pts)
	return r
}

// inflate grows a radius so that a polygon with n vertices on the grown
// circle contains the original circle (Napier: tan d = tan ρ' cos(π/n)).
func inflate(a s1.Angle, n int) s1.Angle {
	return s1.Angle(math.Atan(math.Tan(float64(a)) / math.Cos(math.Pi/float64(n))))
}

func cmpAngle(a, b s1.Angle) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// boundary returns points on the boundary of the disks' intersection: the
// samples of every circle that lie inside all other disks, plus the exact
// crossings of the circles that contribute. The intersection of disks
// smaller than a hemisphere is convex, so its convex hull is the region.
func (r *Region) boundary(n int) []s2.Point {
	c0 := r.caps[0]
	var pts []s2.Point
	var cands []int
	for i, c := range r.caps {
		if i > 0 {
			// Every point of circle i lies between |d-ρ| and d+ρ of c0's centre.
			d := c0.Center().Distance(c.Center())
			if near := math.Abs(float64(d - c.Radius())); near > float64(c0.Radius()) {
				continue
			}
		}
		cands = append(cands, i)
		for _, p := range s2.RegularLoop(c.Center(), c.Radius(), n).Vertices() {
			if r.insideAll(p, i) {
				pts = append(pts, p)
			}
		}
	}
	// Every corner of the region is where two circles cross; a region
	// smaller than the sampling step has nothing but corners.
	for a := 0; a < len(cands); a++ {
		for b := a + 1; b < len(cands); b++ {
			for _, p := range crossings(r.caps[cands[a]], r.caps[cands[b]]) {
				if r.insideAll(p, -1) {
					pts = append(pts, p)
				}
			}
		}
	}
	return pts
}

// insideAll reports whether p lies in every disk but skip (with a little
// slack for points computed on a circle).
func (r *Region) insideAll(p s2.Point, skip int) bool {
	for j, c := range r.caps {
		if j == skip {
			continue
		}
		if float64(c.Center().Distance(p)) > float64(c.Radius())+1e-9 {
			return false
		}
	}
	return true
}

// crossings returns the points where the circles of two caps cross.
func crossings(a, b s2.Cap) []s2.Point {
	ca, cb := a.Center().Vector, b.Center().Vector
	d := ca.Dot(cb)
	den := 1 - d*d
	if den < 1e-15 {
		return nil
	}
	ra, rb := math.Cos(float64(a.Radius())), math.Cos(float64(b.Radius()))
	alpha := (ra - d*rb) / den
	beta := (rb - d*ra) / den
	base := ca.Mul(alpha).Add(cb.Mul(beta))
	g2 := (1 - base.Norm2()) / den
	if g2 < 0 {
		return nil
	}
	off := ca.Cross(cb).Mul(math.Sqrt(g2))
	return []s2.Point{{Vector: base.Add(off).Normalize()}, {Vector: base.Sub(off).Normalize()}}
}

func (r *Region) setPolygon(pts []s2.Point) {
	q := s2.NewConvexHullQuery()
	for _, p := range pts {
		q.AddPoint(p)
	}
	r.loop = q.ConvexHull()
	r.poly = s2.PolygonFromLoops([]*s2.Loop{r.loop})
	for _, v := range r.loop.Vertices() {
		r.Outline = append(r.Outline, latLonOf(v))
	}
	r.AreaKm2 = math.Round(r.loop.Area()*EarthRadiusKm*EarthRadiusKm*100) / 100
	r.Centroid = latLonOf(s2.Point{Vector: r.loop.Centroid().Normalize()})
	if r.loop.NumVertices() < 3 || r.loop.Area() < 1e-12 {
		// A degenerate region (a point or a sliver): average its points.
		r.Centroid = latLonOf(s2.Point{Vector: pointsSum(pts).Normalize()})
	}
	c := EnclosingCap(r.loop.Vertices())
	r.EnclosingCenter = latLonOf(c.Center())
	r.EnclosingRadiusKm = math.Round(kmOf(c.Radius())*10) / 10
}

func pointsSum(pts []s2.Point) s2.Point {
	var s s2.Point
	for _, p := range pts {
		s.Vector = s.Vector.Add(p.Vector)
	}
	return s
}

// String describes the region in one line.
func (r *Region) String() string {
	switch {
	case r.Unconstrained():
		return "unconstrained: no landmark close enough"
	case r.Empty:
		return fmt.Sprintf("empty: the %d disks do not intersect (an RTT faster than %.0f km/ms)", len(r.caps), r.SpeedKmPerMs)
	}
	return fmt.Sprintf("%.0f km² around %.3f,%.3f (enclosing radius %.0f km, %d disks)",
		r.AreaKm2, r.Centroid[0], r.Centroid[1], r.EnclosingRadiusKm, len(r.caps))
}
