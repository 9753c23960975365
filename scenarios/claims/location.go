package claims

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// locationRegion solves the feasible region from every complete rtt
// evidence of f, at fibre speed. It is recomputed from the samples, so a
// report's verdicts do not rest on the region the agent wrote down.
func locationRegion(f Facts) (*geo.Region, []string, *Outcome) {
	var lms []results.LandmarkRTT
	var refs []string
	for _, e := range f.Of("rtt") {
		if e.RTT != nil && e.Failure == nil {
			lms = append(lms, e.RTT.Landmarks...)
			refs = append(refs, e.ID)
		}
	}
	if len(refs) == 0 {
		o := inconclusive("no complete round-trip evidence for " + f.Target)
		return nil, nil, &o
	}
	r := probes.LocationOf(lms, geo.ModeFibre)
	switch {
	case r.Empty:
		o := inconclusive("the landmark disks do not intersect: "+r.String(), refs...)
		return nil, nil, &o
	case r.Unconstrained():
		o := inconclusive("no landmark answered close enough to constrain the position", refs...)
		return nil, nil, &o
	}
	return r, refs, nil
}

func regionFigure(r *geo.Region) string {
	return fmt.Sprintf("%.0f km² (r %.0f km)", r.AreaKm2, r.EnclosingRadiusKm)
}

func knownCountries(codes []string) error {
	if len(codes) == 0 {
		return fmt.Errorf("needs at least one country code")
	}
	for _, c := range codes {
		if _, ok := geo.LookupCountry(c); !ok {
			return fmt.Errorf("%q is not an ISO 3166-1 alpha-2 country code", c)
		}
	}
	return nil
}

var claimLocationIn = claimKind("location.in",
	"The host lies in this country: every place its round trips allow (at 2/3 c) is inside it.",
	"location.in: LU",
	[]string{"rtt"}, func(cc string) error { return knownCountries([]string{cc}) },
	func(cc string, f Facts) Outcome {
		r, refs, miss := locationRegion(f)
		if miss != nil {
			return *miss
		}
		rel, err := r.RelateCountry(cc)
		if err != nil {
			return Outcome{Status: results.StatusError, Reason: err.Error(), Evidence: refs}
		}
		switch rel {
		case geo.Inside:
			return pass(fmt.Sprintf("the feasible region (%s) lies inside %s", r, strings.ToUpper(cc)), regionFigure(r), refs...)
		case geo.Outside:
			return fail(fmt.Sprintf("the feasible region (%s) misses %s entirely", r, strings.ToUpper(cc)), regionFigure(r), refs...)
		}
		return inconclusive(fmt.Sprintf("the feasible region (%s) reaches beyond %s", r, strings.ToUpper(cc)), refs...)
	})

var claimLocationNotIn = claimKind("location.not_in",
	"The host is provably outside these countries: no place its round trips allow (at 2/3 c) is in any of them.",
	"location.not_in: [US, CN]",
	[]string{"rtt"}, knownCountries,
	func(codes []string, f Facts) Outcome {
		r, refs, miss := locationRegion(f)
		if miss != nil {
			return *miss
		}
		var inside, overlap []string
		for _, cc := range codes {
			rel, err := r.RelateCountry(cc)
			if err != nil {
				return Outcome{Status: results.StatusError, Reason: err.Error(), Evidence: refs}
			}
			switch rel {
			case geo.Inside:
				inside = append(inside, strings.ToUpper(cc))
			case geo.Overlaps, geo.NearBorder:
				overlap = append(overlap, strings.ToUpper(cc))
			}
		}
		switch {
		case len(inside) > 0:
			return fail(fmt.Sprintf("the feasible region (%s) lies inside %s", r, strings.Join(inside, ", ")), regionFigure(r), refs...)
		case len(overlap) > 0:
			return inconclusive(fmt.Sprintf("the feasible region (%s) reaches into %s", r, strings.Join(overlap, ", ")), refs...)
		}
		return pass(fmt.Sprintf("the feasible region (%s) misses %s", r, strings.Join(codes, ", ")), regionFigure(r), refs...)
	})

// WithinKm are the parameters of location.within_km.
type WithinKm struct {
	Of []float64 `yaml:"of"` // [lat, lon]
	Km float64   `yaml:"km"`
}

func checkWithin(p WithinKm) error {
	switch {
	case len(p.Of) != 2 || p.Of[0] < -90 || p.Of[0] > 90 || p.Of[1] < -180 || p.Of[1] > 180:
		return fmt.Errorf("of: want [lat, lon] in degrees, got %v", p.Of)
	case p.Km <= 0:
		return fmt.Errorf("km: must be positive")
	}
	return nil
}

var claimLocationWithinKm = claimKind("location.within_km",
	"The host lies within km of a place: every place its round trips allow (at 2/3 c) is that close.",
	"location.within_km: {of: [49.61, 6.13], km: 50}",
	[]string{"rtt"}, checkWithin,
	func(p WithinKm, f Facts) Outcome {
		r, refs, miss := locationRegion(f)
		if miss != nil {
			return *miss
		}
		far, near := r.FarthestKm(p.Of[0], p.Of[1]), r.NearestKm(p.Of[0], p.Of[1])
		fig := fmt.Sprintf("%.0f–%.0f km", near, far)
		switch r.RelateDisk(p.Of[0], p.Of[1], p.Km) {
		case geo.Inside:
			return pass(fmt.Sprintf("every feasible place is within %.0f km (at most %.0f km away)", p.Km, far), fig, refs...)
		case geo.Outside:
			return fail(fmt.Sprintf("no feasible place is within %.0f km (the nearest is %.0f km away)", p.Km, near), fig, refs...)
		}
		return inconclusive(fmt.Sprintf("feasible places lie %.0f to %.0f km away, across the %.0f km limit", near, far, p.Km), refs...)
	})

var claimControlPlaneMaxDistance = claimKind("control_plane.max_distance_km",
	"The control-plane API answers from within km: its front end by round trip (at 2/3 c), and its server time too short for a backend hop beyond km. Timing bounds distance only from above, so it passes or is inconclusive, never fails.",
	"control_plane.max_distance_km: 100",
	[]string{"controlplane"}, func(km float64) error {
		if km <= 0 {
			return fmt.Errorf("must be a positive number of km")
		}
		return nil
	},
	func(km float64, f Facts) Outcome {
		var refs, beyond []string
		worst := 0.0
		for _, e := range f.Of("controlplane") {
			d := e.ControlPlane
			if d == nil || e.Failure != nil || d.Origin.Verdict == results.OriginUnknown {
				continue
			}
			refs = append(refs, e.ID)
			worst = max(worst, d.MaxDistanceKm)
			if d.MaxDistanceKm > km {
				beyond = append(beyond, fmt.Sprintf("%s: front end ≤ %.0f km (RTT %s)", d.URL, d.MaxDistanceKm, d.RTT))
			}
			if d.Origin.Verdict == results.OriginRemote {
				worst = max(worst, d.Origin.RemoteHopKm)
				if d.Origin.RemoteHopKm > km {
					beyond = append(beyond, fmt.Sprintf("%s: %s", d.URL, d.Origin.Text))
				}
			}
		}
		switch {
		case len(refs) == 0:
			return inconclusive("no successful control-plane request for " + f.Target)
		case len(beyond) > 0:
			return inconclusive(fmt.Sprintf("not provably within %.0f km, and timing cannot prove it farther (a far API and a slow near one take the same time): %s",
				km, strings.Join(slices.Compact(beyond), "; ")), refs...)
		}
		return pass(fmt.Sprintf("front end and any backend hop within %.0f km (worst ≤ %.0f km)", km, worst), fmt.Sprintf("≤ %.0f km", worst), refs...)
	})
