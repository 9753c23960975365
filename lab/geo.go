package lab

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"net/netip"
	"time"
)

// Location is a point on Earth in degrees.
type Location struct {
	Lat float64 `yaml:"lat" json:"lat"`
	Lon float64 `yaml:"lon" json:"lon"`
	// Place names where it is as the lab file says ("Singapore"); it only
	// labels reports (suites name a far end's place from it).
	Place string `yaml:"place" json:"place,omitempty"`
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

// site is where a lab address sits: its place and the site it shares with
// others (a provider's hosts and services, or one internet service).
type site struct {
	name string
	at   Location
}

// delayFunc returns the forwarder's per-packet delay: each lab address sits
// at a location; addresses the lab does not know get no delay.
func delayFunc(t *Topology, where map[netip.Addr]site) func(src, dst netip.Addr) time.Duration {
	type pair struct{ a, b netip.Addr }
	cache := map[pair]time.Duration{}
	for a, sa := range where {
		for b, sb := range where {
			cache[pair{a, b}] = t.OneWay(a, sa.at, b, sb.at, sa.name == sb.name) + t.addedDelay(a, sa, b, sb)
		}
	}
	return func(src, dst netip.Addr) time.Duration { return cache[pair{src, dst}] }
}

// OneWay is the emulated one-way delay from src at ls to dst at ld: the
// lab's path model when it has one (access delays only between different
// sites: a provider's machines share their data centre), else its single
// inflation.
func (t *Topology) OneWay(src netip.Addr, ls Location, dst netip.Addr, ld Location, sameSite bool) time.Duration {
	switch {
	case t.Paths != nil && sameSite:
		return OneWayDelay(ls, ld, t.Paths.linkInflation(t.Seed, src, dst))
	case t.Paths != nil:
		return t.Paths.Delay(t.Seed, src, ls, dst, ld)
	}
	return OneWayDelay(ls, ld, t.Inflation)
}

// PathModel draws each link's physics instead of the ideal great circle:
// every pair of lab addresses gets a path inflation, and every address an
// access delay (the last mile and equipment, each way), both drawn once
// from the lab's seed, so runs repeat. The lab's jitter comes on top.
//
// Sources of the defaults: paths on the Internet are 1.2 to 4 times the
// great circle (Spring, Mahajan and Anderson, "The causes of path
// inflation", SIGCOMM 2003; Katz-Bassett et al., "Towards IP geolocation
// using delay and topology measurements", IMC 2006, where the ratio of
// RTT-implied distance to true distance is mostly between 1.5 and 4), and
// access links add 0.1 to 1 ms each way (data-centre and metro access; the
// minimum RTTs of RIPE Atlas anchors to hosts in their own city are rarely
// under 0.5 ms).
type PathModel struct {
	// Inflation is the range per-link inflation is drawn from
	// (log-uniformly); default [1.2, 4].
	Inflation [2]float64 `yaml:"inflation" json:"inflation"`
	// Access is the range each address's one-way access delay is drawn
	// from (uniformly); default [100µs, 1ms].
	Access [2]time.Duration `yaml:"access" json:"access"`
}

// withDefaults fills the ranges left out.
func (m PathModel) withDefaults() PathModel {
	if m.Inflation == [2]float64{} {
		m.Inflation = [2]float64{1.2, 4}
	}
	if m.Access == [2]time.Duration{} {
		m.Access = [2]time.Duration{100 * time.Microsecond, time.Millisecond}
	}
	return m
}

// check reports a range that is not one: the field and what is wrong.
func (m PathModel) check() (string, string) {
	switch {
	case m.Inflation[0] < 1 || m.Inflation[1] < m.Inflation[0]:
		return "inflation", "want [min, max] with 1 ≤ min ≤ max"
	case m.Access[0] < 0 || m.Access[1] < m.Access[0]:
		return "access", "want [min, max] with 0 ≤ min ≤ max"
	}
	return "", ""
}

// draw returns a value in [lo, hi] fixed by the seed and the key.
func draw(seed int64, key string, lo, hi float64, logScale bool) float64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	u := rand.New(rand.NewPCG(uint64(seed), h.Sum64())).Float64()
	if logScale && lo > 0 {
		return lo * math.Pow(hi/lo, u)
	}
	return lo + (hi-lo)*u
}

// linkInflation is the inflation of the path between a and b (the same both
// ways).
func (m PathModel) linkInflation(seed int64, a, b netip.Addr) float64 {
	if b.Less(a) {
		a, b = b, a
	}
	return draw(seed, "link "+a.String()+" "+b.String(), m.Inflation[0], m.Inflation[1], true)
}

// access is the one-way access delay of address a.
func (m PathModel) access(seed int64, a netip.Addr) time.Duration {
	return time.Duration(draw(seed, "access "+a.Unmap().String(), float64(m.Access[0]), float64(m.Access[1]), false))
}

// Delay is the one-way delay from src at ls to dst at ld under the model.
func (m PathModel) Delay(seed int64, src netip.Addr, ls Location, dst netip.Addr, ld Location) time.Duration {
	return OneWayDelay(ls, ld, m.linkInflation(seed, src, dst)) + m.access(seed, src) + m.access(seed, dst)
}
