package geo

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

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
// disk of a hemisphere or more says nothing a smaller one would not, and is
// left out (the region stays an outer bound without it).
const maxRadius = math.Pi/2 - 1e-6

// slack is added to every disk's radius (0.6 m): rounding in the
// geometry must never cut off a place a round trip allows, even when every
// circle passes through the host's exact position.
const slack = joinEps

// Region is the set of places the host can be, given the measurements. It
// is an outer bound: the polygon contains the intersection of the disks.
type Region struct {
	Solution
	circles []circle // the disks used, smallest first, with the slack
	arcs    []arc    // the exact boundary; nil when empty or unconstrained
	loop    *s2.Loop // the outline drawn around the arcs
	poly    *s2.Polygon

	indexOnce sync.Once // index: poly indexed for distance queries
	index     *s2.ShapeIndex
}

// Unconstrained reports whether no disk constrains the region: the host
// may be anywhere on Earth.
func (r *Region) Unconstrained() bool { return len(r.circles) == 0 }

// Solve intersects one disk per measurement. Disks too large to constrain
// (a hemisphere or more) are recorded as unused. It never fails and never
// panics, whatever the measurements: an empty intersection is a finding
// (some round trip is faster than the speed allows), recorded with the
// disks that could not meet.
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
		case m.RTT <= 0 || math.IsNaN(km):
			d.Note = "no round trip measured"
		case !validPosition(m.Landmark.Lat, m.Landmark.Lon):
			d.Note = "the landmark has no valid position"
		case float64(angleOf(km)) >= maxRadius:
			d.Note = "too far to constrain: the disk covers a hemisphere"
		default:
			d.Used = true
			r.circles = append(r.circles, newCircle(m.Landmark.Point(), float64(angleOf(km))+slack, m.Landmark.Name))
		}
		r.Constraints = append(r.Constraints, d)
	}
	r.circles = smallestFirst(r.circles)
	if len(r.circles) == 0 {
		r.describeUnconstrained()
		return r
	}
	sv := &solver{circles: r.circles}
	sv.arcs = []arc{newArc(0, r.circles, 0, twoPi, r.circles[0].at(0))}
	sv.setBound()
	for i := 1; i < len(r.circles); i++ {
		if !sv.clip(i) {
			r.Empty = true
			r.Conflict = conflictOf(sv.arcs, r.circles, i)
			return r
		}
	}
	r.arcs = sv.arcs
	r.setPolygon(o.Samples)
	return r
}

// smallestFirst sorts the circles by radius, stably, moving each circle
// once (they are large: sorting them in place moves them many times).
func smallestFirst(cs []circle) []circle {
	idx := make([]int, len(cs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(cs[a].rad, cs[b].rad) })
	out := make([]circle, len(cs))
	for i, j := range idx {
		out[i] = cs[j]
	}
	return out
}

func validPosition(lat, lon float64) bool {
	return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}

// conflictOf names the landmarks whose disks left nothing: the one that
// emptied the region and those bounding it at that moment.
func conflictOf(arcs []arc, circles []circle, di int) []string {
	out := []string{circles[di].name}
	for _, a := range arcs {
		if n := circles[a.k].name; !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// String describes the region in one line.
func (r *Region) String() string {
	switch {
	case r.Unconstrained():
		return "unconstrained: no disk smaller than a hemisphere, the host may be anywhere on Earth"
	case r.Empty:
		return fmt.Sprintf("empty: the disks of %s do not meet (a round trip faster than %.0f km/ms allows)",
			strings.Join(r.Conflict, ", "), r.SpeedKmPerMs)
	}
	return fmt.Sprintf("%.0f km² around %.3f,%.3f (enclosing radius %.0f km, %d disks)",
		r.AreaKm2, r.Centroid[0], r.Centroid[1], r.EnclosingRadiusKm, len(r.circles))
}
