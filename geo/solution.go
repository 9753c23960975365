package geo

import "time"

// Solution is what Solve found, as plain data: the disk of every landmark
// and the feasible region's outline, area, centroid and enclosing circle.
// Region carries it along with the geometry it was computed from; MapSVG
// draws it. It holds nothing but numbers and names, so a caller can build
// one from any record of a solve (a report's evidence) and draw that.
type Solution struct {
	// SpeedKmPerMs is the propagation speed assumed (about 200 for 2/3 c).
	SpeedKmPerMs float64
	Mode         Mode
	Constraints  []Disk
	// Empty is set when the disks do not intersect: some round trip is
	// faster than the speed allows (a measurement or spoofing problem).
	Empty bool
	// Conflict names the landmarks whose disks could not meet, when Empty:
	// the disk that emptied the region first, then those bounding it.
	Conflict []string
	// Outline is the feasible region's outline, [lat, lon] in degrees,
	// counter-clockwise; empty when the region is empty or unconstrained.
	Outline [][2]float64
	// AreaKm2 is the outline's area; the whole Earth's when unconstrained,
	// 0 when empty.
	AreaKm2         float64
	Centroid        [2]float64 // [lat, lon]
	EnclosingCenter [2]float64 // [lat, lon]
	// EnclosingRadiusKm is the radius of the smallest disk holding the
	// region: half the Earth's circumference (20,015 km) when
	// unconstrained, 0 when empty.
	EnclosingRadiusKm float64
}

// Disk is one landmark's constraint: the host lies within RadiusKm of the
// landmark, given the minimum round trip RTTMin.
type Disk struct {
	Landmark string
	Lat, Lon float64
	RTTMin   time.Duration
	RadiusKm float64
	// Used is false when the disk was left out (too large to constrain,
	// no samples); Note says why.
	Used bool
	Note string
}
