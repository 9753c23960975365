package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/stats"
)

// Measurement is one key figure of a run that compare shows next to the
// claims: what a probe measured, whatever the suite claimed about it.
type Measurement struct {
	// Key names the figure independent of target, e.g. "host operator (claimed)".
	Key    string `json:"key"`
	Target string `json:"target"`
	Value  string `json:"value"`
}

// keyMeasurements names, per kind of evidence details, the figures compare
// shows. A probe family adds its line here when it adds a details type.
var keyMeasurements = []func(e *results.Evidence) []Measurement{
	hostMeasurements,
	egressMeasurements,
	rttMeasurements,
	controlPlaneMeasurements,
}

// Measurements extracts the key figures of every evidence record of r, in
// evidence order.
func Measurements(r *results.Report) []Measurement {
	var out []Measurement
	for i := range r.Evidence {
		e := &r.Evidence[i]
		for _, f := range keyMeasurements {
			for _, m := range f(e) {
				m.Target = e.Target
				out = append(out, m)
			}
		}
	}
	return out
}

func hostMeasurements(e *results.Evidence) []Measurement {
	h := e.Host
	if h == nil {
		return nil
	}
	var out []Measurement
	if h.Operator.Name != "" {
		v := h.Operator.Name
		if h.Operator.Confidence != "" {
			v += " (" + h.Operator.Confidence + ")"
		}
		out = append(out, Measurement{Key: "host operator (claimed)", Value: v})
	}
	hv := "none"
	switch {
	case h.Hypervisor.Present && h.Hypervisor.Vendor != "":
		hv = h.Hypervisor.Vendor
	case h.Hypervisor.Present && h.Hypervisor.Signature != "":
		hv = h.Hypervisor.Signature
	case h.Hypervisor.Present:
		hv = "present"
	}
	return append(out, Measurement{Key: "host hypervisor (claimed)", Value: hv})
}

func egressMeasurements(e *results.Evidence) []Measurement {
	g := e.Egress
	if g == nil {
		return nil
	}
	s := g.Summary
	out := []Measurement{{Key: "egress destinations reachable", Value: fmt.Sprintf("%d/%d", s.Reachable, s.Destinations)}}
	if s.Controls > 0 {
		out = append(out, Measurement{Key: "egress controls reachable", Value: fmt.Sprintf("%d/%d", s.ControlsReachable, s.Controls)})
	}
	return out
}

func rttMeasurements(e *results.Evidence) []Measurement {
	l := e.RTT
	if l == nil {
		return nil
	}
	var out []Measurement
	for _, lm := range l.Landmarks {
		v := "no answer"
		if s := lm.Summary; s.N > 0 {
			v = fmt.Sprintf("%s (n=%d)", s.Min.Human(), s.N)
		} else if len(lm.Samples) > 0 {
			sum := stats.Summarize(durations(lm.Samples))
			v = fmt.Sprintf("%s (n=%d)", sum.Min.Human(), sum.N)
		}
		out = append(out, Measurement{Key: "min RTT to " + lm.Name, Value: v})
	}
	if loc := l.Location; loc != nil {
		out = append(out, Measurement{Key: "location bound", Value: locationBound(loc)})
	}
	return out
}

// locationBound says where the round trips place the host, in words: a
// circle around the nearest known place. It never prints a position the
// evidence does not give: an empty or unconstrained region says so.
func locationBound(loc *results.Geolocation) string {
	switch {
	case loc.Empty:
		return "none: the round trips contradict each other"
	case len(loc.Region) == 0:
		for _, d := range loc.Constraints {
			if d.RTTMin > 0 {
				return "none: no landmark answered fast enough to bound it"
			}
		}
		return "none: no landmark answered"
	}
	lat, lon := loc.EnclosingCenter[0], loc.EnclosingCenter[1]
	where := fmt.Sprintf("%.2f, %.2f", lat, lon)
	if p, km, ok := geo.NearestPlace(lat, lon); ok {
		where = p.Name + ", " + p.Country
		if km >= 1 {
			where = fmt.Sprintf("%.0f km from %s", km, where)
		}
	}
	return fmt.Sprintf("within %.0f km of %s", max(loc.EnclosingRadiusKm, 1), where)
}

func controlPlaneMeasurements(e *results.Evidence) []Measurement {
	c := e.ControlPlane
	if c == nil {
		return nil
	}
	// The key names the figure, not the endpoint: one row for every
	// provider's control plane (the report names the URL).
	v := c.RTT.Human()
	if c.Origin.Verdict != "" {
		v += ", " + strings.ReplaceAll(c.Origin.Verdict, "_", " ")
	}
	return []Measurement{{Key: "control-plane round trip", Value: v}}
}

func durations(ds []results.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.D()
	}
	return out
}
