package lab

import (
	"math"
	"net/netip"
	"time"
)

// Location is a point on Earth in degrees.
type Location struct {
	Lat float64 `yaml:"lat" json:"lat"`
	Lon float64 `yaml:"lon" json:"lon"`
}

// Valid reports whether the coordinates are on Earth.
func (l Location) Valid() bool {
	return l.Lat >= -90 && l.Lat <= 90 && l.Lon >= -180 && l.Lon <= 180
}

const (
	earthRadiusKm = 6371.0088
	// fibreKmPerSecond is 2/3 of the speed of light in vacuum.
	fibreKmPerSecond = 299792.458 * 2 / 3
)

// DistanceKm is the great-circle (haversine) distance between a and b.
func DistanceKm(a, b Location) float64 {
	rad := math.Pi / 180
	dLat := (b.Lat - a.Lat) * rad
	dLon := (b.Lon - a.Lon) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

// OneWayDelay is the delay light in fibre needs from a to b, times inflation
// (the ratio of path length to great-circle distance, 1 or more).
func OneWayDelay(a, b Location, inflation float64) time.Duration {
	return time.Duration(DistanceKm(a, b) * inflation / fibreKmPerSecond * float64(time.Second))
}

// delayFunc returns the forwarder's per-packet delay: each lab address sits
// at a location; addresses the lab does not know get no delay.
func delayFunc(where map[netip.Addr]Location, inflation float64) func(src, dst netip.Addr) time.Duration {
	type pair struct{ a, b netip.Addr }
	cache := map[pair]time.Duration{}
	for a, la := range where {
		for b, lb := range where {
			cache[pair{a, b}] = OneWayDelay(la, lb, inflation)
		}
	}
	return func(src, dst netip.Addr) time.Duration { return cache[pair{src, dst}] }
}
