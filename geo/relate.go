package geo

import (
	"fmt"
	"math"

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
	// NearBorder: the region lies on one side of a country's border, but
	// closer to it than the outlines' precision (OutlineMarginKm): which
	// side cannot be told.
	NearBorder
)

func (r Relation) String() string {
	return [...]string{"unknown", "inside", "outside", "overlaps", "near the border"}[r]
}

// RelateCountry relates the region to a country's outline (geo/borders
// looks them up by ISO alpha-2 code, and its Relate does both). A region
// within OutlineMarginKm of the border is NearBorder, never Inside or
// Outside: the outlines are not more precise than that.
func (r *Region) RelateCountry(c *Country) (Relation, error) {
	if c == nil || c.polygon == nil {
		return Unknown, fmt.Errorf("relating region: no country outline")
	}
	switch {
	case r.Empty:
		return Unknown, nil
	case r.Unconstrained():
		return Overlaps, nil
	}
	var rel Relation
	switch {
	case c.polygon.Contains(r.poly):
		rel = Inside
	case !c.polygon.Intersects(r.poly):
		rel = Outside
	default:
		return Overlaps, nil
	}
	q := s2.NewClosestEdgeQuery(c.shapeIndex(), s2.NewClosestEdgeQueryOptions().IncludeInteriors(false))
	if q.IsDistanceLess(s2.NewMinDistanceToShapeIndexTarget(r.shapeIndex()), s1.ChordAngleFromAngle(angleOf(OutlineMarginKm))) {
		return NearBorder, nil
	}
	return rel, nil
}

// BorderDistanceKm is how far the region is from the border of the country
// c (0 when it straddles it); -1 for an empty or unconstrained region or
// no country.
func (r *Region) BorderDistanceKm(c *Country) float64 {
	if c == nil || c.polygon == nil || r.Empty || r.Unconstrained() {
		return -1
	}
	q := s2.NewClosestEdgeQuery(c.shapeIndex(), s2.NewClosestEdgeQueryOptions().IncludeInteriors(false))
	return kmOf(q.Distance(s2.NewMinDistanceToShapeIndexTarget(r.shapeIndex())).Angle())
}

// shapeIndex indexes the country's outline for distance queries, once.
func (c *Country) shapeIndex() *s2.ShapeIndex {
	c.indexOnce.Do(func() {
		c.index = s2.NewShapeIndex()
		c.index.Add(c.polygon)
	})
	return c.index
}

func (r *Region) shapeIndex() *s2.ShapeIndex {
	r.indexOnce.Do(func() {
		r.index = s2.NewShapeIndex()
		r.index.Add(r.poly)
	})
	return r.index
}

// RelateDisk relates the region to the disk of radius km around lat, lon.
func (r *Region) RelateDisk(lat, lon, km float64) Relation {
	switch {
	case r.Empty:
		return Unknown
	case km >= halfRoundKm:
		return Inside
	case r.Unconstrained():
		return Overlaps
	case r.FarthestKm(lat, lon) <= km:
		return Inside
	case r.NearestKm(lat, lon) > km:
		return Outside
	}
	return Overlaps
}

// FarthestKm is the largest distance from lat, lon to any feasible place:
// half the Earth's circumference when unconstrained, 0 when empty.
func (r *Region) FarthestKm(lat, lon float64) float64 {
	switch {
	case r.Empty:
		return 0
	case r.Unconstrained():
		return halfRoundKm
	}
	// The farthest place from p is the antipode's nearest, reflected.
	anti := s2.Point{Vector: pointOf(lat, lon).Mul(-1)}
	return kmOf(s1.Angle(math.Pi) - distanceToRegion(r, anti))
}

// NearestKm is the smallest distance from lat, lon to any feasible place
// (0 inside it, and when the region is empty or unconstrained).
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
		best = min(best, s2.DistanceFromSegment(p, vs[i], vs[(i+1)%len(vs)]))
	}
	return best
}
