package claims

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/results"
)

// nearBorder is the reason a region too close to a border cannot decide.
func nearBorder(r *geo.Region, codes []string, refs []string) Outcome {
	return inconclusive(fmt.Sprintf("the feasible region (%s) lies within %.0f km of the border of %s, closer than the outlines are precise",
		r, geo.OutlineMarginKm, strings.Join(codes, ", ")), refs...)
}

var claimLocationIn = claimKind("location.in",
	"The host lies in this country (or in one of these): every place its authenticated round trips allow (at 2/3 c) is inside it.",
	"location.in: [LU, BE]",
	[]string{"rtt"}, func(cc Countries) error { return knownCountries(cc) },
	func(codes Countries, f Facts) Outcome {
		lf := locationOf(f)
		if lf.miss != nil {
			return *lf.miss
		}
		all, err := relateAll(lf.all, codes)
		if err != nil {
			return Outcome{Status: results.StatusError, Reason: err.Error(), Evidence: lf.refs}
		}
		trusted, _ := relateAll(lf.trusted, codes)
		list := strings.ToUpper(strings.Join(codes, ", "))
		if len(codesWhere(all, codes, geo.Outside)) == len(codes) {
			return fail(fmt.Sprintf("the feasible region (%s) misses %s entirely", lf.all, list), regionFigure(lf.all), lf.refs...)
		}
		in := codesWhere(trusted, codes, geo.Inside)
		switch {
		case len(in) > 0 && lf.noPass == "":
			return pass(fmt.Sprintf("the region of the authenticated round trips (%s) lies inside %s", lf.trusted, in[0]), regionFigure(lf.trusted), lf.refs...)
		case len(in) > 0:
			return inconclusive(fmt.Sprintf("the feasible region lies inside %s, but %s", in[0], lf.noPass), lf.refs...)
		}
		if near := codesWhere(all, codes, geo.NearBorder); len(near) > 0 {
			return nearBorder(lf.all, near, lf.refs)
		}
		if lf.trusted == nil {
			return inconclusive(fmt.Sprintf("the feasible region (%s) cannot carry a pass: %s", lf.all, lf.noPass), lf.refs...)
		}
		return inconclusive(fmt.Sprintf("the region of the authenticated round trips (%s) reaches beyond %s", lf.trusted, list), lf.refs...)
	})

var claimLocationNotIn = claimKind("location.not_in",
	"The host is provably outside these countries: no place its authenticated round trips allow (at 2/3 c) is in any of them.",
	"location.not_in: [US, CN]",
	[]string{"rtt"}, knownCountries,
	func(codes []string, f Facts) Outcome {
		lf := locationOf(f)
		if lf.miss != nil {
			return *lf.miss
		}
		all, err := relateAll(lf.all, codes)
		if err != nil {
			return Outcome{Status: results.StatusError, Reason: err.Error(), Evidence: lf.refs}
		}
		if inside := codesWhere(all, codes, geo.Inside); len(inside) > 0 {
			return fail(fmt.Sprintf("the feasible region (%s) lies inside %s", lf.all, strings.Join(inside, ", ")), regionFigure(lf.all), lf.refs...)
		}
		trusted, _ := relateAll(lf.trusted, codes)
		list := strings.ToUpper(strings.Join(codes, ", "))
		clear := lf.trusted != nil && len(codesWhere(trusted, codes, geo.Outside)) == len(codes)
		switch {
		case clear && lf.noPass == "":
			return pass(fmt.Sprintf("the region of the authenticated round trips (%s) misses %s", lf.trusted, list), regionFigure(lf.trusted), lf.refs...)
		case clear:
			return inconclusive(fmt.Sprintf("the feasible region misses %s, but %s", list, lf.noPass), lf.refs...)
		case lf.trusted == nil:
			return inconclusive(fmt.Sprintf("the feasible region (%s) cannot carry a pass: %s", lf.all, lf.noPass), lf.refs...)
		}
		if len(codesWhere(trusted, codes, geo.Overlaps, geo.Inside, geo.Unknown)) == 0 {
			return nearBorder(lf.trusted, codesWhere(trusted, codes, geo.NearBorder), lf.refs)
		}
		return inconclusive(fmt.Sprintf("the region of the authenticated round trips (%s) reaches into %s", lf.trusted,
			strings.Join(codesWhere(trusted, codes, geo.Overlaps, geo.Inside, geo.Unknown), ", ")), lf.refs...)
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
		lf := locationOf(f)
		if lf.miss != nil {
			return *lf.miss
		}
		far, near := lf.all.FarthestKm(p.Of[0], p.Of[1]), lf.all.NearestKm(p.Of[0], p.Of[1])
		if lf.all.RelateDisk(p.Of[0], p.Of[1], p.Km) == geo.Outside {
			return fail(fmt.Sprintf("no feasible place is within %.0f km (the nearest is %.0f km away)", p.Km, near),
				fmt.Sprintf("%.0f–%.0f km", near, far), lf.refs...)
		}
		if lf.trusted == nil || lf.trusted.Empty {
			return inconclusive(fmt.Sprintf("feasible places lie %.0f to %.0f km away; %s", near, far, lf.noPass), lf.refs...)
		}
		tnear, tfar := lf.trusted.NearestKm(p.Of[0], p.Of[1]), lf.trusted.FarthestKm(p.Of[0], p.Of[1])
		switch {
		case lf.trusted.RelateDisk(p.Of[0], p.Of[1], p.Km) != geo.Inside:
			return inconclusive(fmt.Sprintf("places the authenticated round trips allow lie %.0f to %.0f km away, across the %.0f km limit",
				tnear, tfar, p.Km), lf.refs...)
		case lf.noPass != "":
			return inconclusive(fmt.Sprintf("every feasible place is within %.0f km, but %s", p.Km, lf.noPass), lf.refs...)
		}
		return pass(fmt.Sprintf("every place the authenticated round trips allow is within %.0f km (at most %.0f km away)", p.Km, tfar),
			fmt.Sprintf("%.0f–%.0f km", tnear, tfar), lf.refs...)
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
