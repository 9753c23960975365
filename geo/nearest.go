package geo

import "github.com/golang/geo/s1"

// NearestPlace returns the catalogue place nearest to lat, lon and its
// great-circle distance, for naming a position in words ("within 7 km of
// Frankfurt am Main, DE"); ok is false only for an empty catalogue. It
// names where a point is, not who governs it: a border may lie between the
// point and its nearest place.
func NearestPlace(lat, lon float64) (place Landmark, km float64, ok bool) {
	p := pointOf(lat, lon)
	best := s1.Angle(-1)
	for _, l := range Catalogue() {
		if d := p.Distance(l.Point()); best < 0 || d < best {
			best, place = d, l
		}
	}
	if best < 0 {
		return Landmark{}, 0, false
	}
	return place, kmOf(best), true
}
