package geo

import (
	"fmt"

	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
)

// Relation is how a region relates to an area.
type Relation int

// Relations.
const (
	// Unknown: the region is empty (inconsistent measurements).
	Unknown Relation = iota
	// Inside: every feasible place lies in the area.
	Inside
	// Outside: no feasible place lies in the area.
	Outside
	// Overlaps: some feasible places do, some do not.
	Overlaps
)

func (r Relation) String() string {
	return [...]string{"unknown", "inside", "outside", "overlaps"}[r]
}

// RelateCountry relates the region to a country's outline (ISO alpha-2).
func (r *Region) RelateCountry(cc string) (Relation, error) {
	c, ok := LookupCountry(cc)
	if !ok {
		return Unknown, fmt.Errorf("relating region: unknown country code %q", cc)
	}
	switch {
	case r.Empty:
		return Unknown, nil
	case r.Unconstrained():
		return Overlaps, nil
	case c.polygon.Contains(r.poly):
		return Inside, nil
	case !c.polygon.Intersects(r.poly):
		return Outside, nil
	}
	return Overlaps, nil
}

// RelateDisk relates the region to the disk of radius km around lat, lon.
func (r *Region) RelateDisk(lat, lon, km float64) Relation {
	switch {
	case r.Empty:
		return Unknown
	case r.Unconstrained():
		return Overlaps
	}
	ctr := pointOf(lat, lon)
	rad := angleOf(km)
	// A disk smaller than a hemisphere is convex, and so is the region:
	// the region is inside when its vertices are.
	if rad < maxRadius {
		in := true
		for _, v := range r.loop.Vertices() {
			if ctr.Distance(v) > rad {
				in = false
				break
			}
		}
		if in {
			return Inside
		}
	}
	if distanceToRegion(r, ctr) > rad {
		return Outside
	}
	return Overlaps
}

// FarthestKm is the largest distance from lat, lon to any feasible place.
func (r *Region) FarthestKm(lat, lon float64) float64 {
	if r.loop == nil {
		return 0
	}
	ctr := pointOf(lat, lon)
	var far s1.Angle
	for _, v := range r.loop.Vertices() {
		far = max(far, ctr.Distance(v))
	}
	return kmOf(far)
}

// NearestKm is the smallest distance from lat, lon to any feasible place.
func (r *Region) NearestKm(lat, lon float64) float64 {
	if r.loop == nil {
		return 0
	}
	return kmOf(distanceToRegion(r, pointOf(lat, lon)))
}

func distanceToRegion(r *Region, p s2.Point) s1.Angle {
	if r.poly.ContainsPoint(p) {
		return 0
	}
	vs := r.loop.Vertices()
	best := s1.InfAngle()
	for i := range vs {
		d := s2.DistanceFromSegment(p, vs[i], vs[(i+1)%len(vs)])
		best = min(best, d)
	}
	return best
}
