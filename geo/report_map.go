package geo

import (
	"strings"

	"github.com/sovbench/sovbench/results"
)

// ReportMap draws the feasible region of the first target of r that has
// one, with the country a location.in claim names shaded as claimed. It
// returns "" when no evidence of r carries a region.
func ReportMap(r *results.Report) (string, error) {
	for _, e := range r.Evidence {
		if e.Latency == nil || e.Latency.Location == nil {
			continue
		}
		o := MapOptions{Title: r.Provider.Name + " — " + e.Target}
		for _, v := range r.Verdicts {
			if v.Claim == "location.in" && v.Target == e.Target {
				if c := strings.Trim(v.Params, "[] "); len(c) == 2 {
					o.ClaimedCountry = strings.ToUpper(c)
				}
			}
		}
		return MapSVG(e.Latency.Location, o), nil
	}
	return "", nil
}
