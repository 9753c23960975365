package geo

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// maxConflicts bounds the pairs Conflicts returns (the worst first): a
// forged answer typically contradicts many landmarks at once.
const maxConflicts = 16

// Conflict is a pair of disks no place lies in: the landmarks are farther
// apart than the two radii together, so a host cannot have been within
// RadiusA of A and RadiusB of B. At least one of the two round trips is
// faster than any path from the host allows.
type Conflict struct {
	A, B             string
	RadiusA, RadiusB float64 // km, at the solve's speed
	ApartKm          float64 // great-circle distance between A and B
	// BeatsLight is set when the pair conflicts even at the speed of light
	// in vacuum: no path of any kind could give these round trips.
	BeatsLight bool
}

// ShortKm is how far the two disks are from touching.
func (c Conflict) ShortKm() float64 { return c.ApartKm - c.RadiusA - c.RadiusB }

func (c Conflict) String() string {
	s := fmt.Sprintf("%s (≤ %.0f km) and %s (≤ %.0f km) are %.0f km apart", c.A, c.RadiusA, c.B, c.RadiusB, c.ApartKm)
	if c.BeatsLight {
		s += ", even at the speed of light"
	}
	return s
}

// Conflicts checks every disk against the others with the landmarks' known
// mutual distances: a pair whose radii sum to less than the landmarks'
// distance cannot both hold. A non-empty region already proves its used
// disks pairwise consistent, so only pairs with a disk the solve left out
// (a hemisphere or more) are checked then; an empty region has every pair
// checked, and the pairs explain it (an empty region without a conflicting
// pair needs three or more disks to empty it: see Solution.Conflict). At
// most 16 pairs are returned, the farthest from touching first.
func (r *Region) Conflicts() []Conflict {
	type disk struct {
		Disk
		p        [3]float64
		rad, rc  float64 // radius at the solve's speed and at c, in radians
		cos, sin float64 // of rad
		excluded bool
	}
	var ds []disk
	for _, d := range r.Constraints {
		if d.RTTMin <= 0 || !validPosition(d.Lat, d.Lon) || math.IsNaN(d.RadiusKm) {
			continue
		}
		p, rad := pointOf(d.Lat, d.Lon), float64(angleOf(d.RadiusKm))+slack
		ds = append(ds, disk{Disk: d, p: [3]float64{p.X, p.Y, p.Z}, rad: rad, cos: math.Cos(rad), sin: math.Sin(rad),
			rc: float64(angleOf(MaxDistanceKm(d.RTTMin, SpeedOfLightKmPerMs))) + slack, excluded: !d.Used && !r.covers(d)})
	}
	var out []Conflict
	for i := range ds {
		if !r.Empty && !ds[i].excluded {
			continue // pairs of used disks are consistent in a non-empty region
		}
		for j := range ds {
			a, b := &ds[i], &ds[j]
			if j == i || (j < i && (r.Empty || b.excluded)) {
				continue // each pair once
			}
			// The landmarks are farther apart than the radii reach when the
			// cosine of their angle is below cos(a.rad + b.rad).
			if a.rad+b.rad >= math.Pi || a.p[0]*b.p[0]+a.p[1]*b.p[1]+a.p[2]*b.p[2] >= a.cos*b.cos-a.sin*b.sin {
				continue
			}
			apart := DistanceKm(a.Lat, a.Lon, b.Lat, b.Lon)
			out = append(out, Conflict{A: a.Landmark, B: b.Landmark, RadiusA: a.RadiusKm, RadiusB: b.RadiusKm,
				ApartKm: apart, BeatsLight: a.rc+b.rc < float64(angleOf(apart))})
		}
	}
	slices.SortStableFunc(out, func(x, y Conflict) int { return cmp.Compare(y.ShortKm(), x.ShortKm()) })
	return out[:min(len(out), maxConflicts)]
}

// covers reports whether disk d holds the whole of a non-empty, constrained
// region (its enclosing circle): then d meets every disk that holds the
// region, and no pair with it can conflict. Far landmarks' hemisphere
// disks usually do, which spares checking them against every other disk.
func (r *Region) covers(d Disk) bool {
	if r.Empty || r.Unconstrained() {
		return false
	}
	return DistanceKm(d.Lat, d.Lon, r.EnclosingCenter[0], r.EnclosingCenter[1])+r.EnclosingRadiusKm+1 <= d.RadiusKm
}
