package render

import (
	"strings"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/geo/borders"
	"github.com/sovbench/sovbench/results"
)

// reportMap draws the feasible region of the first target of r that has
// one, with the country a location.in claim names shaded as claimed, as
// one inline <svg> element; when round trips were also measured towards
// that target from outside (inbound), the region they allow follows as a
// second map, so the two directions can be compared side by side. It
// returns "" when no evidence of r carries a region.
func reportMap(r *results.Report) string {
	for _, e := range r.Evidence {
		own, out := regionsOf(r, e.Target)
		if own == nil && out == nil {
			continue
		}
		o := geo.MapOptions{Title: r.Provider.Name + " — " + e.Target, Countries: borders.Countries()}
		for _, v := range r.Verdicts {
			if v.Claim == "location.in" && v.Target == e.Target {
				o.ClaimedCountry = claimedCountry(v.Params)
			}
		}
		var svg string
		if own != nil {
			svg = geo.MapSVG(solutionOf(own), o)
		}
		if out != nil {
			o.Title += ": measured towards it from outside"
			svg += geo.MapSVG(solutionOf(out), o)
		}
		return svg
	}
	return ""
}

// regionsOf returns the target's regions: the one its own round trips
// (rtt) allow, and the one round trips measured towards it (inbound) allow.
func regionsOf(r *results.Report, target string) (own, out *results.Geolocation) {
	for _, e := range r.Evidence {
		switch {
		case e.Target != target:
		case own == nil && e.RTT != nil && e.RTT.Location != nil:
			own = e.RTT.Location
		case out == nil && e.Inbound != nil && e.Inbound.Location != nil:
			out = e.Inbound.Location
		}
	}
	return own, out
}

// solutionOf rebuilds the solved region a report's evidence recorded, for
// geo to draw.
func solutionOf(g *results.Geolocation) *geo.Solution {
	s := &geo.Solution{SpeedKmPerMs: g.SpeedKmPerMs, Mode: geo.Mode(g.Mode), Empty: g.Empty,
		Outline: g.Region, AreaKm2: g.AreaKm2, Centroid: g.Centroid,
		EnclosingCenter: g.EnclosingCenter, EnclosingRadiusKm: g.EnclosingRadiusKm}
	for _, d := range g.Constraints {
		s.Constraints = append(s.Constraints, geo.Disk{Landmark: d.Landmark, Lat: d.Lat, Lon: d.Lon,
			RTTMin: d.RTTMin.D(), RadiusKm: d.RadiusKm, Used: d.Used, Note: d.Note})
	}
	return s
}

// claimedCountry reads the country of a location.in claim's parameters as
// a suite writes them ("LU", "[LU]", "{country: LU}"); "" when they name
// no single country.
func claimedCountry(params string) string {
	c := strings.Trim(params, "[]{} ")
	c = strings.TrimSpace(strings.TrimPrefix(c, "country:"))
	if len(c) != 2 {
		return ""
	}
	return strings.ToUpper(c)
}
