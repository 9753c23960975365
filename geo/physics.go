package geo

import (
	"math"
	"time"

	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
)

// Physical constants.
const (
	// EarthRadiusKm is the mean Earth radius (IUGG).
	EarthRadiusKm = 6371.0088
	// SpeedOfLightKmPerMs is c in km per millisecond.
	SpeedOfLightKmPerMs = 299.792458
	// FibreKmPerMs is 2/3 c, light in optical fibre, the default speed.
	FibreKmPerMs = SpeedOfLightKmPerMs * 2 / 3
)

// MaxDistanceKm is the farthest a peer can be when a round trip at speed
// km/ms took rtt: speed × rtt / 2.
func MaxDistanceKm(rtt time.Duration, speed float64) float64 {
	return speed * float64(rtt) / float64(time.Millisecond) / 2
}

// DistanceKm is the great-circle distance between two [lat, lon] positions.
func DistanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	return kmOf(pointOf(lat1, lon1).Distance(pointOf(lat2, lon2)))
}

// RoundTripAt is the time light at speed km/ms needs to cover km and back.
func RoundTripAt(km, speed float64) time.Duration {
	return time.Duration(2 * km / speed * float64(time.Millisecond))
}

func pointOf(lat, lon float64) s2.Point {
	return s2.PointFromLatLng(s2.LatLngFromDegrees(lat, lon))
}

func latLonOf(p s2.Point) [2]float64 {
	ll := s2.LatLngFromPoint(p)
	return [2]float64{round6(ll.Lat.Degrees()), round6(ll.Lng.Degrees())}
}

func kmOf(a s1.Angle) float64 { return float64(a) * EarthRadiusKm }

func angleOf(km float64) s1.Angle { return s1.Angle(km / EarthRadiusKm) }

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }
