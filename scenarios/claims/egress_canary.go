package claims

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/results"
)

// canaryFacts are what the auditor's canaries recorded of the target's
// run (the canary probe, run on the auditor's machine after the target's
// steps): arrivals carrying the run's token, and why some canary's record
// is unknown.
type canaryFacts struct {
	arrivals []results.CanaryArrival
	unknown  []string // "<source>: <why>" for each canary that could not be asked
	sources  []string
}

// addCanaries gathers the canary evidence of f into g.
func (g *egressFacts) addCanaries(f Facts) {
	for _, e := range f.Of("canary") {
		g.refs = append(g.refs, e.ID)
		src := "the canaries"
		if e.Canary != nil {
			src = e.Canary.Source
		}
		if e.Failure != nil || e.Canary == nil {
			why := "no record"
			if e.Failure != nil {
				why = e.Failure.Message
			}
			g.canary.unknown = append(g.canary.unknown, src+": "+why)
			continue
		}
		g.canary.sources = append(g.canary.sources, src)
		g.canary.arrivals = append(g.canary.arrivals, e.Canary.Arrivals...)
	}
}

// canaryLeaks lists the arrivals at destinations in scope that the claim
// forbids, each with the way it went out and the destination: the far
// end's own record, which no answer the provider drops or fakes can undo.
// An arrival is placed by the address and port it arrived at; one at a
// positive control, or at no destination of the evidence, is not counted.
func (g *egressFacts) canaryLeaks(inScope, forbidden func(results.EgressDestination) bool) (leaks []string, dests int) {
	seen := map[string]bool{}
	for _, a := range g.canary.arrivals {
		d, method := g.arrivalDest(a)
		if d == nil || d.Control || d.RandomPort || !inScope(*d) || !forbidden(*d) {
			continue
		}
		l := fmt.Sprintf("%s to %s (%s)", method, a.Destination, d.Label())
		if !slices.Contains(leaks, l) {
			leaks = append(leaks, l)
		}
		if !d.Reachable && !seen[d.Label()] {
			seen[d.Label()] = true
			dests++
		}
	}
	return leaks, dests
}

// arrivalDest finds the destination an arrival went to and the method
// that sent it (the attempt carrying its token, else its protocol).
func (g *egressFacts) arrivalDest(a results.CanaryArrival) (*results.EgressDestination, string) {
	ap, err := netip.ParseAddrPort(a.Destination)
	if err != nil {
		return nil, ""
	}
	ip := ap.Addr().Unmap().String()
	for i := range g.dests {
		d := &g.dests[i]
		if d.Port != int(ap.Port()) || (d.Host != ip && !slices.Contains(d.Addresses, ip)) {
			continue
		}
		for _, at := range d.Attempts {
			if at.Token != "" && hasToken(a.Payload, at.Token) {
				return d, at.Method
			}
		}
		if d.Protocol == a.Proto || slices.Contains(d.Via, a.Proto) || g.triedProto(d, a.Proto) {
			return d, a.Proto
		}
	}
	return nil, ""
}

// triedProto reports whether some attempt on d used the method named proto.
func (g *egressFacts) triedProto(d *results.EgressDestination, proto string) bool {
	return slices.ContainsFunc(d.Attempts, func(at results.EgressAttempt) bool { return at.Method == proto })
}

// canaryWhy says why the canaries cannot back a negative ("" when they
// can, or when the suite has none).
func (g *egressFacts) canaryWhy() string {
	if len(g.canary.unknown) == 0 {
		return ""
	}
	return "the auditor's canaries could not be asked, so traffic that arrived unanswered is unknown (" + strings.Join(first(g.canary.unknown, 3), "; ") + ")"
}

// canaryNote says what the canaries checked, for a passing reason.
func (g *egressFacts) canaryNote() string {
	if len(g.canary.sources) == 0 {
		return ""
	}
	return fmt.Sprintf("canaries (%s) recorded no token of this run at a forbidden destination", strings.Join(g.canary.sources, ", "))
}

// hasToken reports whether payload carries tok as a whole ("…-3" is not
// in "…-31").
func hasToken(payload, tok string) bool {
	for rest := payload; ; {
		i := strings.Index(rest, tok)
		if i < 0 {
			return false
		}
		rest = rest[i+len(tok):]
		if rest == "" || rest[0] < '0' || rest[0] > '9' {
			return true
		}
	}
}
