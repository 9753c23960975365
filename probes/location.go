package probes

import (
	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/results"
)

// LocationOf solves the feasible region from the best minimum RTT of each
// landmark (over methods), in the given mode. The rtt probe records it and
// the location claims recompute it from the samples.
func LocationOf(lms []results.LandmarkRTT, mode geo.Mode) *geo.Region {
	best := map[string]int{}
	var ms []geo.Measurement
	for _, l := range lms {
		if l.Summary.N == 0 {
			continue
		}
		m := geo.Measurement{Landmark: geo.Landmark{Name: l.Name, Country: l.Country, Lat: l.Lat, Lon: l.Lon}, RTT: l.Summary.Min.D()}
		if i, ok := best[l.Name]; ok {
			if m.RTT < ms[i].RTT {
				ms[i] = m
			}
			continue
		}
		best[l.Name] = len(ms)
		ms = append(ms, m)
	}
	return geo.Solve(ms, geo.Options{Mode: mode})
}

// GeolocationOf records a solved region as evidence: geo's own types in
// the report's data model (the rtt and inbound probes).
func GeolocationOf(s *geo.Solution) *results.Geolocation {
	g := &results.Geolocation{SpeedKmPerMs: s.SpeedKmPerMs, Mode: string(s.Mode), Empty: s.Empty,
		Region: s.Outline, AreaKm2: s.AreaKm2, Centroid: s.Centroid,
		EnclosingCenter: s.EnclosingCenter, EnclosingRadiusKm: s.EnclosingRadiusKm}
	for _, d := range s.Constraints {
		g.Constraints = append(g.Constraints, results.Disk{Landmark: d.Landmark, Lat: d.Lat, Lon: d.Lon,
			RTTMin: results.Duration(d.RTTMin), RadiusKm: d.RadiusKm, Used: d.Used, Note: d.Note})
	}
	return g
}
