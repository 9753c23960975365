package geo

import (
	"strings"
	"testing"
	"time"
)

func TestEmbeddedData(t *testing.T) {
	t.Run("the catalogue holds the places the tests and suites name", func(t *testing.T) {
		for _, n := range []string{"Bissen", "Luxembourg,LU", "Paris,FR", "Dublin", "Frankfurt am Main", "Ashburn,US"} {
			if _, ok := LookupLandmark(n); !ok {
				t.Errorf("no landmark %s", n)
			}
		}
		if n := len(Catalogue()); n < 5000 {
			t.Errorf("only %d landmarks", n)
		}
	})
	t.Run("the most populous place of a name wins", func(t *testing.T) {
		l, _ := LookupLandmark("paris")
		if l.Country != "FR" {
			t.Fatalf("Paris resolved to %+v", l)
		}
	})
}

func TestParseLandmarksNamesTheLine(t *testing.T) {
	_, err := parseLandmarks(strings.NewReader("name,country,lat,lon,population\nA,LU,49.6,6.1,10\nB,LU,north,6.1,10\n"), "x.csv")
	if err == nil || !strings.HasPrefix(err.Error(), "x.csv:3: bad lat, lon or population") {
		t.Fatalf("error %v", err)
	}
}

func FuzzParseLandmarks(f *testing.F) {
	f.Add("name,country,lat,lon,population\nA,LU,49.6,6.1,10\n")
	f.Add("name,country,lat,lon,population\n\"A,B\",LU,91,6.1,10\n")
	f.Fuzz(func(t *testing.T, s string) {
		lms, err := parseLandmarks(strings.NewReader(s), "fuzz.csv")
		if err != nil {
			return
		}
		for _, l := range lms {
			if l.Lat < -90 || l.Lat > 90 || l.Lon < -180 || l.Lon > 180 {
				t.Fatalf("accepted %+v", l)
			}
		}
	})
}

func TestFitBestline(t *testing.T) {
	base := 2 / FibreKmPerMs
	for _, tc := range []struct {
		name   string
		peers  []PeerDelay
		check  func(Bestline) bool
		errStr string
	}{
		{"the line lies below peers on winding paths, no faster than fibre", []PeerDelay{
			{DistanceKm: 100, RTT: RoundTripAt(100, FibreKmPerMs) + time.Millisecond},
			{DistanceKm: 500, RTT: RoundTripAt(500, FibreKmPerMs) + time.Millisecond},
			{DistanceKm: 900, RTT: RoundTripAt(900, FibreKmPerMs) + 3*time.Millisecond},
		}, func(b Bestline) bool {
			return b.SlopeMsPerKm >= base-1e-12 && b.InterceptMs >= 0 && b.DistanceKm(5*time.Millisecond) < 500
		}, ""},
		{"a peer faster than fibre admits no line", []PeerDelay{
			{DistanceKm: 100, RTT: 5 * time.Millisecond}, {DistanceKm: 1000, RTT: 6 * time.Millisecond},
		}, nil, "no line below the peers"},
		{"one peer is not enough", []PeerDelay{{DistanceKm: 1, RTT: time.Millisecond}}, nil, "need 2 peers or more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := FitBestline(tc.peers)
			if tc.errStr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errStr) {
					t.Fatalf("error %v", err)
				}
				return
			}
			if err != nil || !tc.check(b) {
				t.Fatalf("bestline %+v, %v", b, err)
			}
			// Every peer lies on or above the line.
			for _, p := range tc.peers {
				if d := b.DistanceKm(p.RTT); d+1e-6 < p.DistanceKm {
					t.Fatalf("peer at %.0f km gets a bound of %.0f km", p.DistanceKm, d)
				}
			}
		})
	}
}

func TestCalibratedSolveIsTighter(t *testing.T) {
	lms := europeLandmarks(t)
	// Every path carries 1 ms of equipment delay that fibre speed alone
	// takes for distance; bestlines that learnt it shrink the region.
	ms := synthetic(bissen, lms, 1.0, time.Millisecond)
	bl := map[string]Bestline{}
	for _, l := range lms {
		bl[l.Name] = Bestline{SlopeMsPerKm: 2 / FibreKmPerMs, InterceptMs: 0.8}
	}
	plain := Solve(ms, Options{})
	cal := Solve(ms, Options{Mode: ModeCalibrated, Bestlines: bl})
	if !cal.poly.ContainsPoint(bissen.Point()) || cal.AreaKm2 >= plain.AreaKm2 {
		t.Fatalf("calibrated %s, plain %s", cal, plain)
	}
}
