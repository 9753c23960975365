package geo

import (
	"math"

	"github.com/golang/geo/r3"
	"github.com/golang/geo/s2"
)

// The feasible region is an intersection of disks (spherical caps), each
// smaller than a hemisphere, so it is convex and its boundary is a cycle of
// circular arcs: Solve clips it disk by disk, exactly, in time linear in the
// number of disks times the arcs of the region (a handful), whatever its
// size. The outline polygon is drawn from the arcs only at the end.

const (
	twoPi = 2 * math.Pi
	// joinEps: boundary points closer than this (0.6 m) are one point.
	joinEps = 1e-7
)

// circle is one disk of a solve: its centre, radius and a frame to measure
// angles around the centre (counter-clockwise seen from outside the
// sphere, so the disk lies to the left of a walk with growing angles).
type circle struct {
	c          s2.Point
	rad        float64
	cosR, sinR float64
	e1, e2     r3.Vector
	name       string
}

func newCircle(c s2.Point, rad float64, name string) circle {
	e1 := c.Ortho()
	return circle{c: c, rad: rad, cosR: math.Cos(rad), sinR: math.Sin(rad), e1: e1, e2: c.Cross(e1), name: name}
}

// at is the point of the circle at angle phi.
func (k *circle) at(phi float64) s2.Point {
	v := k.c.Mul(k.cosR).Add(k.e1.Mul(k.sinR * math.Cos(phi))).Add(k.e2.Mul(k.sinR * math.Sin(phi)))
	return s2.Point{Vector: v.Normalize()}
}

// angleOf is the angle of p (on or near the circle) around the centre.
func (k *circle) angleOf(p s2.Point) float64 { return math.Atan2(p.Dot(k.e2), p.Dot(k.e1)) }

// within returns the angles of k's circle that lie in disk d as an
// interval [lo, lo+width]: width 2π when all do, -1 when none does.
func (k *circle) within(d *circle) (lo, width float64) {
	x, y := d.c.Dot(k.e1), d.c.Dot(k.e2)
	a := k.sinR * math.Hypot(x, y)
	b := d.cosR - k.cosR*k.c.Dot(d.c.Vector)
	switch {
	case a < 1e-15 && b <= 1e-15: // the same centre, d no smaller
		return 0, twoPi
	case a < 1e-15:
		return 0, -1
	case b/a <= -1:
		return 0, twoPi
	case b/a > 1:
		return 0, -1
	}
	w := math.Acos(b / a)
	return math.Atan2(y, x) - w, 2 * w
}

// arc is a piece of the region's boundary on circle k, from angle from,
// sweep radians counter-clockwise; start is its first point, and its last
// is the next arc's start. cosB and sinB bound how far it bows out of the
// great circle between its ends.
type arc struct {
	k           int
	from, sweep float64
	start       s2.Point
	bow         float64
	cosB, sinB  float64
}

func newArc(k int, circles []circle, from, sweep float64, start s2.Point) arc {
	// In 3D the arc strays sin ρ (1 - cos(sweep/2)) from its chord; twice
	// that bounds the angle it strays from the great circle.
	b := min(2*circles[k].sinR*(1-math.Cos(min(sweep, math.Pi)/2)), math.Pi/2)
	return arc{k: k, from: from, sweep: sweep, start: start, bow: b, cosB: math.Cos(b), sinB: math.Sin(b)}
}

func mod2pi(x float64) float64 {
	x = math.Mod(x, twoPi)
	if x < 0 {
		x += twoPi
	}
	return x
}

// solver holds a region's boundary while Solve clips it, and buffers it
// reuses from disk to disk.
type solver struct {
	circles     []circle
	arcs, spare []arc
	// ctr and cosBound: the region lies within acos(cosBound) of ctr.
	ctr      s2.Point
	cosBound float64
	changes  int

	// while clipping by disk di: the new boundary so far, where its last
	// piece ends and where its first began.
	di         int
	out        []arc
	lastEnd    s2.Point
	firstStart s2.Point
}

// clip intersects the region with disk di. It reports false when the
// intersection is empty.
func (sv *solver) clip(di int) bool {
	d := &sv.circles[di]
	if c := d.c.Dot(sv.ctr.Vector); c > 0 && math.Acos(min(c, 1))+math.Acos(sv.cosBound) <= d.rad {
		return true // d holds the whole region
	}
	sv.di, sv.out = di, sv.spare[:0]
	whole, m := 0, len(sv.arcs)
	for i := 0; i < m; {
		// A run of arcs that lie in d is copied whole.
		j := i
		for j < m && sv.arcs[j].sweep < math.Pi && inside(d, &sv.arcs[j], sv.arcs[(j+1)%m].start) {
			j++
		}
		if j > i {
			sv.emitRun(sv.arcs[i:j], sv.arcs[j%m].start)
			whole, i = whole+j-i, j
			continue
		}
		whole += sv.cut(&sv.arcs[i], d, sv.arcs[(i+1)%m].start)
		i++
	}
	switch {
	case whole == len(sv.arcs):
		return true // the region lies in d
	case len(sv.out) == 0 && insideArcs(sv.arcs, sv.circles, d.c):
		sv.out = append(sv.out, newArc(di, sv.circles, 0, twoPi, d.at(0))) // d lies in the region
	case len(sv.out) == 0:
		return false
	default:
		sv.bridge(sv.firstStart)
	}
	single := len(sv.arcs) == 1
	sv.spare, sv.arcs = sv.arcs, sv.out
	if single {
		sv.arcs = mergeArcs(sv.arcs, sv.circles)
	}
	// The region only shrinks, so the old bound still holds it: tighten
	// it now and then.
	if sv.changes++; single || len(sv.arcs) == 1 || sv.changes%8 == 0 {
		sv.setBound()
	}
	return true
}

// emitRun appends arcs of the old boundary that lie in the disk whole;
// the last ends at end.
func (sv *solver) emitRun(run []arc, end s2.Point) {
	if len(sv.out) == 0 {
		sv.firstStart = run[0].start
	} else {
		sv.bridge(run[0].start)
	}
	sv.out = append(sv.out, run...)
	sv.lastEnd = end
}

// emit appends a piece of the old boundary that lies in the disk (ending
// at end), with the disk's own circle before it where the boundary left
// the disk and now enters it again.
func (sv *solver) emit(a arc, end s2.Point) {
	if len(sv.out) == 0 {
		sv.firstStart = a.start
	} else {
		sv.bridge(a.start)
	}
	sv.out = append(sv.out, a)
	sv.lastEnd = end
}

// bridge runs the disk's circle from the last piece's end to to, unless
// they are one point.
func (sv *solver) bridge(to s2.Point) {
	if sv.lastEnd == to || sv.lastEnd.Sub(to.Vector).Norm2() <= joinEps*joinEps {
		return
	}
	d := &sv.circles[sv.di]
	from := d.angleOf(sv.lastEnd)
	sweep := mod2pi(d.angleOf(to) - from)
	if sweep <= 1e-12 {
		sweep = twoPi
	}
	sv.out = append(sv.out, newArc(sv.di, sv.circles, from, sweep, sv.lastEnd))
}

// inside reports, cheaply and conservatively, that arc a (ending at next)
// lies in d: both its ends lie deeper in d than the arc bows out.
func inside(d *circle, a *arc, next s2.Point) bool {
	if d.rad <= a.bow {
		return false
	}
	limit := d.cosR*a.cosB + d.sinR*a.sinB // cos(ρ - b)
	return d.c.Dot(a.start.Vector) >= limit && d.c.Dot(next.Vector) >= limit
}

// cut emits the parts of arc a that lie in d; it returns 1 when the whole
// arc does.
func (sv *solver) cut(a *arc, d *circle, next s2.Point) int {
	k := &sv.circles[a.k]
	lo, w := k.within(d)
	switch {
	case w < 0:
		return 0
	case w >= twoPi:
		sv.emit(*a, next)
		return 1
	}
	t0 := mod2pi(lo - a.from)
	for _, iv := range [2][2]float64{{t0 - twoPi, t0 + w - twoPi}, {t0, t0 + w}} {
		s, e := max(iv[0], 0), min(iv[1], a.sweep)
		if e-s <= 1e-12 {
			continue
		}
		start, end := a.start, next
		if iv[0] > 0 {
			start = k.at(a.from + s)
		}
		if iv[1] < a.sweep {
			end = k.at(a.from + e)
		}
		sv.emit(newArc(a.k, sv.circles, a.from+s, e-s, start), end)
	}
	return 0
}

// setBound recomputes a cap holding the region: around the mean of the
// arcs' ends, as far as the farthest end plus the arc's bow.
func (sv *solver) setBound() {
	var sum r3.Vector
	for _, a := range sv.arcs {
		sum = sum.Add(a.start.Vector)
	}
	if len(sv.arcs) == 1 || sum.Norm2() < 1e-24 {
		k := &sv.circles[sv.arcs[0].k]
		sv.ctr, sv.cosBound = k.c, k.cosR
		return
	}
	sv.ctr = s2.Point{Vector: sum.Normalize()}
	near, bow := 1.0, 0.0
	for _, a := range sv.arcs {
		near, bow = min(near, sv.ctr.Dot(a.start.Vector)), max(bow, a.bow)
	}
	sv.cosBound = math.Cos(min(math.Acos(max(near, -1))+bow, math.Pi))
}

// mergeArcs joins neighbouring arcs of one circle that continue each
// other (a full circle cut at its starting point, say).
func mergeArcs(arcs []arc, circles []circle) []arc {
	for i := 0; len(arcs) > 1 && i < len(arcs); {
		a, b := arcs[i], arcs[(i+1)%len(arcs)]
		gap := mod2pi(b.from - (a.from + a.sweep))
		if a.k != b.k || (gap > 1e-9 && gap < twoPi-1e-9) {
			i++
			continue
		}
		arcs[i] = newArc(a.k, circles, a.from, min(a.sweep+b.sweep, twoPi), a.start)
		j := (i + 1) % len(arcs)
		arcs = append(arcs[:j], arcs[j+1:]...)
		if j < i {
			i--
		}
	}
	return arcs
}

// insideArcs reports whether p lies in every disk of the boundary (the
// region is their intersection).
func insideArcs(arcs []arc, circles []circle, p s2.Point) bool {
	for _, a := range arcs {
		k := &circles[a.k]
		if float64(k.c.Distance(p)) > k.rad+joinEps {
			return false
		}
	}
	return true
}
