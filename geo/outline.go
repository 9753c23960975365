package geo

import (
	"math"

	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
)

// earthKm2 is the Earth's area, and halfRoundKm the farthest any two
// places can be: what an unconstrained region covers and spans.
var (
	earthKm2    = math.Round(4 * math.Pi * EarthRadiusKm * EarthRadiusKm)
	halfRoundKm = math.Round(math.Pi*EarthRadiusKm*10) / 10
)

// describeUnconstrained fills the figures of a region no disk constrains:
// the whole Earth.
func (r *Region) describeUnconstrained() {
	r.AreaKm2, r.EnclosingRadiusKm = earthKm2, halfRoundKm
}

// inflate grows a radius so that the chord between two points of the grown
// circle h apart touches the original circle (Napier: tan ρ = tan ρ'
// cos(h/2)).
func inflate(rad, h float64) float64 {
	return math.Atan(math.Tan(rad) / math.Cos(h/2))
}

// setPolygon draws the outline around the arcs, an outer bound: each arc's
// end points and, between them, points on a slightly larger circle whose
// chords touch the arc, at most 2π/samples apart. Then the figures.
func (r *Region) setPolygon(samples int) {
	step := twoPi / float64(samples)
	var pts []s2.Point
	for _, a := range r.arcs {
		k := &r.circles[a.k]
		pts = append(pts, a.start)
		if a.bow < joinEps/64 {
			continue // its chord strays less than a centimetre, well inside the slack
		}
		n := max(int(math.Ceil(a.sweep/step)), 1)
		if a.sweep > math.Pi {
			n = max(n, 3)
		}
		h := a.sweep / float64(n)
		out := newCircle(k.c, inflate(k.rad, h), "") // same centre, same frame
		for j := range n {
			pts = append(pts, out.at(a.from+(float64(j)+0.5)*h))
		}
	}
	r.loop = r.loopOf(pts)
	r.poly = s2.PolygonFromLoops([]*s2.Loop{r.loop})
	vs := r.loop.Vertices()
	for _, v := range vs {
		r.Outline = append(r.Outline, latLonOf(v))
	}
	area := r.loop.Area()
	r.AreaKm2 = math.Round(area*EarthRadiusKm*EarthRadiusKm*100) / 100
	if area > 1e-12 {
		r.Centroid = latLonOf(s2.Point{Vector: r.loop.Centroid().Normalize()})
	} else {
		r.Centroid = latLonOf(s2.Point{Vector: pointsSum(vs).Normalize()})
	}
	c := r.enclosing(vs)
	r.EnclosingCenter = latLonOf(c.Center())
	r.EnclosingRadiusKm = math.Round(kmOf(c.Radius())*10) / 10
}

// loopOf makes the outline loop of the boundary points (counter-clockwise
// and convex by construction). Points too close to tell apart are merged;
// a region too small to have an inside becomes a small polygon around its
// points, and one whose points do not make a valid loop (rounding) their
// convex hull, or failing that the smallest disk: outer bounds all.
func (r *Region) loopOf(pts []s2.Point) *s2.Loop {
	var vs []s2.Point
	for _, p := range pts {
		if len(vs) == 0 || float64(vs[len(vs)-1].Distance(p)) > 1e-9 {
			vs = append(vs, p)
		}
	}
	for len(vs) > 1 && float64(vs[0].Distance(vs[len(vs)-1])) <= 1e-9 {
		vs = vs[:len(vs)-1]
	}
	if len(vs) >= 3 {
		if l := s2.LoopFromPoints(vs); l.Validate() == nil && l.Area() > 1e-15 && l.Area() < 2*math.Pi {
			return l
		}
		q := s2.NewConvexHullQuery()
		for _, v := range vs {
			q.AddPoint(v)
		}
		if l := q.ConvexHull(); !l.IsFull() && !l.IsEmpty() && l.Validate() == nil && l.Area() > 1e-15 && l.Area() < 2*math.Pi {
			return l
		}
	}
	ctr := s2.Point{Vector: pointsSum(vs).Normalize()}
	if ctr.Norm2() == 0 || len(vs) == 0 {
		k := &r.circles[0]
		return s2.RegularLoop(k.c, s1.Angle(inflate(k.rad, twoPi/16)), 16)
	}
	var far s1.Angle
	for _, v := range vs {
		far = max(far, ctr.Distance(v))
	}
	return s2.RegularLoop(ctr, s1.Angle(inflate(float64(far)+2*joinEps, twoPi/8)), 8)
}

// enclosing is the smallest cap holding the outline's vertices, or the
// smallest disk when rounding makes that doubtful (a region close to a
// hemisphere).
func (r *Region) enclosing(vs []s2.Point) s2.Cap {
	k := &r.circles[0]
	limit := s2.CapFromCenterAngle(k.c, s1.Angle(inflate(k.rad, twoPi/8)))
	c := EnclosingCap(vs)
	if c.IsEmpty() || c.Radius() > limit.Radius() {
		return limit
	}
	for _, v := range vs {
		if !holds(c, v) {
			return limit
		}
	}
	return c
}

func pointsSum(pts []s2.Point) s2.Point {
	var s s2.Point
	for _, p := range pts {
		s.Vector = s.Vector.Add(p.Vector)
	}
	return s
}
