package geo

import "github.com/golang/geo/s1"

// GapKm is the great-circle distance between two regions: 0 when they
// touch or overlap, else the shortest distance from a place of one to a
// place of the other. Regions without an outline (empty or unconstrained)
// give 0. For convex regions the shortest distance runs from a vertex of
// one to the boundary of the other, so the vertices of both are tried.
func (r *Region) GapKm(o *Region) float64 {
	if r.loop == nil || o.loop == nil {
		return 0
	}
	best := s1.InfAngle()
	for _, v := range r.loop.Vertices() {
		best = min(best, distanceToRegion(o, v))
	}
	for _, v := range o.loop.Vertices() {
		best = min(best, distanceToRegion(r, v))
	}
	return kmOf(best)
}

// Combine solves the region that the measurements of both regions allow
// together: the intersection of every disk either used. It is empty when
// the two sets of round trips cannot both be true.
func Combine(a, b *Region, o Options) *Region {
	var ms []Measurement
	for _, r := range []*Region{a, b} {
		for _, d := range r.Constraints {
			if d.Used {
				ms = append(ms, Measurement{Landmark: Landmark{Name: d.Landmark, Lat: d.Lat, Lon: d.Lon}, RTT: d.RTTMin})
			}
		}
	}
	return Solve(ms, o)
}
