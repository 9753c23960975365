package claims

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/geo/borders"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
	"gopkg.in/yaml.v3"
)

// minAuthenticated is how many landmarks must complete authenticated round
// trips before a location claim can pass.
const minAuthenticated = 3

// locationFacts is what the location claims of one target rest on, solved
// once per evaluation (see docs/location.md for the adversary model).
//
// The host measures the landmarks, so the audited provider controls the
// path: it can delay, drop, or answer TCP, UDP and ICMP for a landmark from
// a proxy near it, which shrinks that landmark's disk at will. Only an
// authenticated round trip (a TLS 1.3 handshake the landmark's own key
// signed) cannot be answered from nearer. So a claim fails on the region of
// every sample (a provider gains nothing by faking its own failure, and a
// region no honest path can empty), but passes only on the region of the
// authenticated samples alone, with enough of them answered.
type locationFacts struct {
	refs []string
	// all is the region every sample allows; trusted the region of the
	// authenticated samples alone (nil when there are none).
	all, trusted *geo.Region
	// miss is set when no verdict can be drawn at all.
	miss *Outcome
	// noPass, when set, says why the evidence cannot carry a pass.
	noPass string
}

// locationSolves counts location solves (a test checks Evaluate solves
// once per target).
var locationSolves atomic.Int64

// locationOf returns the location facts of f's target, solved on first use
// in an evaluation and reused by every location claim after it.
func locationOf(f Facts) *locationFacts {
	if v, ok := f.cache["location"].(*locationFacts); ok {
		return v
	}
	lf := solveLocation(f)
	locationSolves.Add(1)
	if f.cache != nil {
		f.cache["location"] = lf
	}
	return lf
}

func solveLocation(f Facts) *locationFacts {
	lf := &locationFacts{}
	var lms, auth []results.LandmarkRTT
	var tried, answered, intercepted []string
	for _, e := range f.Of("rtt") {
		if e.RTT == nil || e.Failure != nil {
			continue
		}
		lf.refs = append(lf.refs, e.ID)
		for _, l := range e.RTT.Landmarks {
			lms = append(lms, l)
			if l.Method != "tls" {
				continue
			}
			tried = appendNew(tried, l.Name)
			if l.Authenticated && l.Summary.N > 0 {
				auth, answered = append(auth, l), appendNew(answered, l.Name)
			}
			if l.Failure != nil && l.Failure.Class == results.ClassTLSIntercepted {
				intercepted = appendNew(intercepted, l.Name)
			}
		}
	}
	if len(lf.refs) == 0 {
		o := inconclusive("no complete round-trip evidence for " + f.Target)
		lf.miss = &o
		return lf
	}
	lf.all = probes.LocationOf(lms, geo.ModeFibre)
	if why := inconsistency(lf.all); why != "" {
		o := inconclusive("inconsistent round trips, something answered faster than the landmark could: "+why, lf.refs...)
		lf.miss = &o
		return lf
	}
	if lf.all.Unconstrained() {
		o := inconclusive("no landmark answered close enough to constrain the position", lf.refs...)
		lf.miss = &o
		return lf
	}
	if len(auth) > 0 {
		lf.trusted = probes.LocationOf(auth, geo.ModeFibre)
	}
	lf.noPass = whyNoPass(lf.trusted, tried, answered, intercepted)
	return lf
}

// whyNoPass says why authenticated evidence cannot carry a pass, or "".
func whyNoPass(trusted *geo.Region, tried, answered, intercepted []string) string {
	var lost []string
	for _, n := range tried {
		if !slices.Contains(answered, n) {
			lost = append(lost, n)
		}
	}
	switch {
	case len(answered) == 0:
		return "no authenticated round trip (a network in front of the host can answer TCP, UDP or ICMP for a landmark from nearby)"
	case len(intercepted) > 0:
		return "another key answered for " + strings.Join(intercepted, ", ") + ": something impersonates a landmark"
	case len(answered) < minAuthenticated:
		return fmt.Sprintf("only %d landmarks answered authenticated round trips, %d needed", len(answered), minAuthenticated)
	case 3*len(lost) > len(tried):
		return fmt.Sprintf("%d of %d authenticated landmarks were lost (%s): dropped landmarks could be those able to disprove the claim",
			len(lost), len(tried), strings.Join(lost, ", "))
	case trusted == nil || trusted.Unconstrained():
		return "the authenticated round trips do not constrain the position"
	}
	if why := inconsistency(trusted); why != "" {
		return "the authenticated round trips contradict the landmarks' positions (a leaked key or a misplaced landmark): " + why
	}
	return ""
}

// inconsistency says why a region's disks cannot all hold, naming the
// landmarks, or "" when they can: each disk is checked against the others
// with the landmarks' known mutual distances (geo.Region.Conflicts), and an
// empty region no pair explains names the disks that emptied it.
func inconsistency(r *geo.Region) string {
	c := r.Conflicts()
	if len(c) == 0 {
		if r.Empty {
			return r.String()
		}
		return ""
	}
	var parts []string
	for _, x := range c[:min(3, len(c))] {
		parts = append(parts, x.String())
	}
	if len(c) > 3 {
		parts = append(parts, fmt.Sprintf("and %d more pairs", len(c)-3))
	}
	return "no place lies within both disks of " + strings.Join(parts, "; ")
}

func appendNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// relateAll relates a region to every country of codes.
func relateAll(r *geo.Region, codes []string) (map[string]geo.Relation, error) {
	out := map[string]geo.Relation{}
	if r == nil {
		return out, nil
	}
	for _, cc := range codes {
		rel, err := borders.Relate(r, cc)
		if err != nil {
			return nil, err
		}
		out[strings.ToUpper(cc)] = rel
	}
	return out, nil
}

// codesWhere lists the codes whose relation is one of want, in order.
func codesWhere(rels map[string]geo.Relation, codes []string, want ...geo.Relation) []string {
	var out []string
	for _, cc := range codes {
		if slices.Contains(want, rels[strings.ToUpper(cc)]) {
			out = append(out, strings.ToUpper(cc))
		}
	}
	return out
}

// Countries are the parameters of location.in: one country code or a
// list of them (any of).
type Countries []string

// UnmarshalYAML accepts a scalar (one code) or a sequence of codes.
func (c *Countries) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var s string
		if err := n.Decode(&s); err != nil {
			return err
		}
		*c = Countries{s}
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return err
	}
	*c = l
	return nil
}

func regionFigure(r *geo.Region) string {
	return fmt.Sprintf("%.0f km² (r %.0f km)", r.AreaKm2, r.EnclosingRadiusKm)
}

func knownCountries(codes []string) error {
	if len(codes) == 0 {
		return fmt.Errorf("needs at least one country code")
	}
	for _, c := range codes {
		if _, ok := borders.Lookup(c); !ok {
			return fmt.Errorf("%q is not an ISO 3166-1 alpha-2 country code", c)
		}
	}
	return nil
}
