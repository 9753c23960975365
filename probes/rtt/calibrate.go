package rtt

import (
	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// bestlines fits one CBG bestline per landmark with two or more peers.
// Landmarks whose peers admit no line keep the fibre bound.
func bestlines(pairs []probes.PeerRTT, lms []probes.Landmark) map[string]geo.Bestline {
	at := map[string]geo.Landmark{}
	for _, l := range lms {
		at[l.Geo.Name] = l.Geo
	}
	peers := map[string][]geo.PeerDelay{}
	for _, p := range pairs {
		a, b := at[p.From], at[p.To]
		d := geo.PeerDelay{DistanceKm: geo.DistanceKm(a.Lat, a.Lon, b.Lat, b.Lon), RTT: p.RTT}
		peers[p.From] = append(peers[p.From], d)
		peers[p.To] = append(peers[p.To], d)
	}
	out := map[string]geo.Bestline{}
	for name, ps := range peers {
		if bl, err := geo.FitBestline(ps); err == nil {
			out[name] = bl
		}
	}
	return out
}

// calibratedLocation solves with bestlines. The region is tighter than the
// fibre bound and holds only as far as the calibration fits this host's
// paths; claims use the fibre bound.
func calibratedLocation(lms []results.LandmarkRTT, bl map[string]geo.Bestline) *geo.Region {
	var ms []geo.Measurement
	best := map[string]int{}
	for _, l := range lms {
		if l.Summary.N == 0 {
			continue
		}
		m := geo.Measurement{Landmark: geo.Landmark{Name: l.Name, Country: l.Country, Lat: l.Lat, Lon: l.Lon}, RTT: l.Summary.Min.D()}
		if i, ok := best[l.Name]; ok {
			ms[i].RTT = min(ms[i].RTT, m.RTT)
			continue
		}
		best[l.Name] = len(ms)
		ms = append(ms, m)
	}
	return geo.Solve(ms, geo.Options{Mode: geo.ModeCalibrated, Bestlines: bl})
}

// geolocationOf records a solved region as evidence (probes.GeolocationOf).
func geolocationOf(s *geo.Solution) *results.Geolocation { return probes.GeolocationOf(s) }
