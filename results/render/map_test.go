package render

import (
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/geo/borders"
	"github.com/sovbench/sovbench/results"
)

// bissenRegion is the region round trips from a host in Bissen (LU) to a
// ring of European landmarks bound it to, over paths 1.2 times the great
// circle plus 100 µs.
func bissenRegion(t testing.TB) *geo.Solution {
	t.Helper()
	bissen := geo.Landmark{Name: "Bissen", Country: "LU", Lat: 49.787, Lon: 6.068}
	var ms []geo.Measurement
	for _, n := range []string{"Luxembourg,LU", "Ettelbruck,LU", "Wiltz,LU", "Echternach,LU", "Brussels,BE", "Amsterdam,NL",
		"London,GB", "Paris,FR", "Lyon,FR", "Frankfurt am Main,DE", "Berlin,DE", "Munich,DE", "Zürich,CH",
		"Milan,IT", "Madrid,ES", "Dublin,IE", "Copenhagen,DK", "Warsaw,PL", "Vienna,AT", "Washington D.C.,US"} {
		l, ok := geo.LookupLandmark(n)
		if !ok {
			t.Fatalf("landmark %s is not in the catalogue", n)
		}
		km := geo.DistanceKm(bissen.Lat, bissen.Lon, l.Lat, l.Lon)
		ms = append(ms, geo.Measurement{Landmark: l, RTT: geo.RoundTripAt(km*1.2, geo.FibreKmPerMs) + 100*time.Microsecond})
	}
	return &geo.Solve(ms, geo.Options{}).Solution
}

// recorded is s as a report's evidence records it (the rtt probe's part).
func recorded(s *geo.Solution) *results.Geolocation {
	g := &results.Geolocation{SpeedKmPerMs: s.SpeedKmPerMs, Mode: string(s.Mode), Region: s.Outline, AreaKm2: s.AreaKm2,
		Centroid: s.Centroid, EnclosingCenter: s.EnclosingCenter, EnclosingRadiusKm: s.EnclosingRadiusKm}
	for _, d := range s.Constraints {
		g.Constraints = append(g.Constraints, results.Disk{Landmark: d.Landmark, Lat: d.Lat, Lon: d.Lon,
			RTTMin: results.Duration(d.RTTMin), RadiusKm: d.RadiusKm, Used: d.Used, Note: d.Note})
	}
	return g
}

func TestReportMapDrawsTheRegionWithTheClaimedCountry(t *testing.T) {
	rep := &results.Report{
		Provider: results.Provider{Name: "clarence"},
		Evidence: []results.Evidence{
			{ID: "vm1/host", Target: "vm1", Probe: "host"},
			{ID: "vm1/rtt", Target: "vm1", Probe: "rtt", RTT: &results.RTTDetails{Location: recorded(bissenRegion(t))}},
		},
		Verdicts: []results.Verdict{{Claim: "location.in", Params: "LU", Target: "vm1"}},
	}
	svg := reportMap(rep)
	for _, want := range []string{"<svg", "clarence — vm1", "<title>Luxembourg</title>", "feasible region"} {
		if !strings.Contains(svg, want) {
			t.Errorf("map lacks %q", want)
		}
	}
	rep.Evidence = rep.Evidence[:1]
	if svg := reportMap(rep); svg != "" {
		t.Error("a report without a region got a map")
	}
}

func TestReportMapIsTheRegionGeoDraws(t *testing.T) {
	// The map drawn from a report's record of a region is the map of the
	// region itself: converting through the data model loses nothing geo
	// draws.
	s := bissenRegion(t)
	rep := &results.Report{Provider: results.Provider{Name: "p"},
		Evidence: []results.Evidence{{ID: "h/rtt", Target: "h", RTT: &results.RTTDetails{Location: recorded(s)}}}}
	want := geo.MapSVG(s, geo.MapOptions{Countries: borders.Countries(), Title: "p — h"})
	if got := reportMap(rep); got != want {
		t.Error("the report's map differs from geo's map of the same region")
	}
}

func TestReportMapShowsBothDirections(t *testing.T) {
	s := bissenRegion(t)
	ash := geo.Solve([]geo.Measurement{{Landmark: geo.Landmark{Name: "ash", Lat: 39.04, Lon: -77.49}, RTT: 2 * time.Millisecond}}, geo.Options{})
	rep := &results.Report{Provider: results.Provider{Name: "p"}, Evidence: []results.Evidence{
		{ID: "h/rtt", Target: "h", RTT: &results.RTTDetails{Location: recorded(s)}},
		{ID: "h/inbound", Target: "h", Inbound: &results.InboundDetails{Location: recorded(&ash.Solution),
			Vantages: []results.LandmarkRTT{{Name: "ash", Samples: []results.Duration{results.Duration(2 * time.Millisecond)}}}}},
	}}
	got := reportMap(rep)
	want := geo.MapSVG(s, geo.MapOptions{Countries: borders.Countries(), Title: "p — h"}) + geo.MapSVG(&ash.Solution, geo.MapOptions{Countries: borders.Countries(), Title: "p — h: measured towards it from outside"})
	if got != want {
		t.Error("the report's maps are not the host's own region followed by the outside one")
	}
	if cs := Charts(rep); len(cs) != 1 || !strings.Contains(cs[0].Title, "outside vantage point") {
		t.Errorf("charts %+v", cs)
	}
}
