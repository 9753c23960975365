package geo

import (
	"strings"
	"testing"
	"time"
)

// A proxy next to a host in Frankfurt answers for the Luxembourg landmark
// (190 km away) in 0.4 ms: that disk and Frankfurt's honest one cannot both
// hold at 2/3 c (40 + 100 km), and the conflict names the pair; at c (60 +
// 150 km) they could, so it does not claim light was beaten.
func TestConflictsNameAForgedLandmark(t *testing.T) {
	lux := Landmark{Name: "lm-luxembourg", Lat: 49.6117, Lon: 6.13}
	ms := synthetic(frankfurt, []Landmark{frankfurt, paris, dublin, ashburn}, 1.5, time.Millisecond)
	ms = append(ms, Measurement{Landmark: lux, RTT: 400 * time.Microsecond})
	r := Solve(ms, Options{})
	c := r.Conflicts()
	if !r.Empty || len(c) == 0 {
		t.Fatalf("empty %v, conflicts %v: %s", r.Empty, c, r)
	}
	if c[0].A != "Frankfurt" && c[0].B != "Frankfurt" || c[0].A != lux.Name && c[0].B != lux.Name {
		t.Fatalf("the worst conflict is %v, want Frankfurt and %s", c[0], lux.Name)
	}
	if c[0].BeatsLight || !strings.Contains(c[0].String(), "km apart") {
		t.Fatalf("%v: at c the disks would meet", c[0])
	}
	// The honest twin: the same host without the forged answer.
	if c := Solve(ms[:4], Options{}).Conflicts(); len(c) > 0 {
		t.Fatalf("honest round trips in conflict: %v", c)
	}
}

// Round trips no path could give, even at c, say so.
func TestConflictsBeatingLight(t *testing.T) {
	ms := []Measurement{{Landmark: paris, RTT: 100 * time.Microsecond}, {Landmark: frankfurt, RTT: 100 * time.Microsecond}}
	c := Solve(ms, Options{}).Conflicts()
	if len(c) != 1 || !c[0].BeatsLight || !strings.Contains(c[0].String(), "speed of light") {
		t.Fatalf("%v", c)
	}
}

// A disk the solve leaves out (a hemisphere or more) still has to agree
// with the others: a far landmark whose disk stops short of the only place
// the near one allows makes the evidence inconsistent although the region
// is not empty.
func TestConflictsWithAHemisphereDisk(t *testing.T) {
	near := Landmark{Name: "near", Lat: 0, Lon: 0}
	far := Landmark{Name: "far", Lat: 0, Lon: 179} // 19,904 km from near
	ms := []Measurement{{Landmark: near, RTT: RoundTripAt(50, FibreKmPerMs)}, {Landmark: far, RTT: RoundTripAt(12000, FibreKmPerMs)}}
	r := Solve(ms, Options{})
	c := r.Conflicts()
	if r.Empty || r.Constraints[1].Used || len(c) != 1 {
		t.Fatalf("empty %v, far used %v, conflicts %v", r.Empty, r.Constraints[1].Used, c)
	}
	ms[1].RTT = RoundTripAt(19900, FibreKmPerMs) // reaches the near disk
	if c := Solve(ms, Options{}).Conflicts(); len(c) > 0 {
		t.Fatalf("consistent disks in conflict: %v", c)
	}
}

// Conflicts returns at most maxConflicts pairs, the worst first.
func TestConflictsAreBoundedAndOrdered(t *testing.T) {
	var ms []Measurement
	for i := range 40 {
		l := Landmark{Name: string(rune('A' + i)), Lat: -60 + 3*float64(i), Lon: float64(i)}
		ms = append(ms, Measurement{Landmark: l, RTT: 50 * time.Microsecond})
	}
	c := Solve(ms, Options{}).Conflicts()
	if len(c) != maxConflicts {
		t.Fatalf("%d conflicts", len(c))
	}
	for i := 1; i < len(c); i++ {
		if c[i].ShortKm() > c[i-1].ShortKm() {
			t.Fatalf("conflict %d (%v) is worse than %d (%v)", i, c[i], i-1, c[i-1])
		}
	}
}
