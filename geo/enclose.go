package geo

import (
	"math"
	"math/rand/v2"

	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
)

// EnclosingCap returns the smallest spherical cap containing pts (Welzl's
// algorithm on the sphere, expected linear time). The points must lie in
// one hemisphere, as the vertices of a feasible region do.
func EnclosingCap(pts []s2.Point) s2.Cap {
	if len(pts) == 0 {
		return s2.EmptyCap()
	}
	p := append([]s2.Point(nil), pts...)
	rng := rand.New(rand.NewPCG(1, 2)) // deterministic: same input, same answer
	rng.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
	c := capOf1(p[0])
	for i := 1; i < len(p); i++ {
		if c.holds(p[i]) {
			continue
		}
		c = capOf1(p[i])
		for j := 0; j < i; j++ {
			if c.holds(p[j]) {
				continue
			}
			c = quickCap(capOf2(p[i], p[j]))
			for k := 0; k < j; k++ {
				if !c.holds(p[k]) {
					c = quickCap(capOf3(p[i], p[j], p[k]))
				}
			}
		}
	}
	return c.Cap
}

// quick is a cap with the cosine of its radius, to test points with a dot
// product (within 1e-12 rad).
type quick struct {
	s2.Cap
	cosR float64
}

func quickCap(c s2.Cap) quick {
	return quick{Cap: c, cosR: math.Cos(float64(c.Radius()) + 1e-12)}
}

func capOf1(p s2.Point) quick { return quickCap(s2.CapFromPoint(p)) }

func (c quick) holds(p s2.Point) bool { return c.Center().Dot(p.Vector) >= c.cosR }

func holds(c s2.Cap, p s2.Point) bool {
	return float64(c.Center().Distance(p)) <= float64(c.Radius())+1e-12
}

func capOf2(a, b s2.Point) s2.Cap {
	m := s2.Point{Vector: a.Add(b.Vector).Normalize()}
	return s2.CapFromCenterAngle(m, m.Distance(a))
}

// capOf3 is the cap whose circle passes through a, b and c.
func capOf3(a, b, c s2.Point) s2.Cap {
	n := b.Sub(a.Vector).Cross(c.Sub(a.Vector))
	if n.Norm2() == 0 {
		return capOf2(a, b)
	}
	n = n.Normalize()
	if n.Dot(a.Vector) < 0 {
		n = n.Mul(-1)
	}
	ctr := s2.Point{Vector: n}
	r := max(ctr.Distance(a), ctr.Distance(b), ctr.Distance(c))
	return s2.CapFromCenterAngle(ctr, s1.Angle(r))
}
