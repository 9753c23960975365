package claims

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/geo/borders"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// inboundRegion solves the region that round trips measured towards the
// target from outside allow (every complete inbound record), at fibre
// speed, recomputed from the samples. It also says how many vantage
// points answered.
func inboundRegion(f Facts) (*geo.Region, []string, string, *Outcome) {
	var vs []results.LandmarkRTT
	var refs []string
	for _, e := range f.Of(probes.InboundName) {
		if e.Inbound != nil && e.Failure == nil {
			vs = append(vs, e.Inbound.Vantages...)
			refs = append(refs, e.ID)
		}
	}
	if len(refs) == 0 {
		o := inconclusive("no complete inbound evidence for " + f.Target + " (round trips measured towards it from outside)")
		return nil, nil, "", &o
	}
	answered := 0
	for _, v := range vs {
		if v.Summary.N > 0 {
			answered++
		}
	}
	who := fmt.Sprintf("%d of %d outside vantage points answered", answered, len(vs))
	r := probes.LocationOf(vs, geo.ModeFibre)
	switch {
	case r.Empty:
		o := inconclusive(who+", and their disks do not intersect: "+r.String(), refs...)
		return nil, nil, "", &o
	case r.Unconstrained():
		o := inconclusive(who+": none close enough to constrain the position (the host can delay or drop answers, never hasten them)", refs...)
		return nil, nil, "", &o
	}
	return r, refs, who, nil
}

var claimLocationConsistent = claimKind("location.consistent",
	"The host's own round trips to landmarks and the round trips outside vantage points measured towards it allow a common place. "+
		"A fail is a disagreement: the host's own round trips cannot be true (its network answered for landmarks, or it forged them). "+
		"A pass says only that neither contradicts the other; location.inbound says where the host is on the outside measurement alone.",
	"location.consistent: true",
	[]string{probes.InboundName}, func(b bool) error {
		if !b {
			return fmt.Errorf("say true (the claim is that the two directions agree)")
		}
		return nil
	},
	func(_ bool, f Facts) Outcome {
		// The host's own region of every sample: proxies answering for
		// landmarks can only shrink it, so an empty intersection with the
		// outside region still shows that its round trips are not true.
		lf := locationOf(f)
		if lf.miss != nil {
			return inconclusive("the host's own round trips give no region: "+lf.miss.Reason, lf.miss.Evidence...)
		}
		own := lf.all
		out, outRefs, who, miss := inboundRegion(f)
		if miss != nil {
			return *miss
		}
		refs := slices.Concat(lf.refs, outRefs)
		both := geo.Combine(own, out, geo.Options{Mode: geo.ModeFibre})
		if both.Empty {
			gap := own.GapKm(out)
			return fail(fmt.Sprintf("disagreement: the host's own round trips place it in %s, but %s and place it in %s, %.0f km apart; "+
				"the host cannot shorten round trips measured towards it, so its own cannot be trusted", own, who, out, gap),
				fmt.Sprintf("%.0f km apart", gap), refs...)
		}
		return pass(fmt.Sprintf("the host's own round trips (%s) and the outside ones (%s; %s) agree: together they allow %s",
			own, out, who, both), "agree", refs...)
	})

// InboundArea are the parameters of location.inbound: countries the
// outside measurement must place the host in (any of them), or outside of.
type InboundArea struct {
	In    []string `yaml:"in"`
	NotIn []string `yaml:"not_in"`
}

func checkInboundArea(p InboundArea) error {
	switch {
	case (len(p.In) == 0) == (len(p.NotIn) == 0):
		return fmt.Errorf("give in: [countries] or not_in: [countries]")
	case len(p.In) > 0:
		return knownCountries(p.In)
	}
	return knownCountries(p.NotIn)
}

var claimLocationInbound = claimKind("location.inbound",
	"Where round trips measured towards the host from outside place it (at 2/3 c): inside one of the in countries, or provably outside every not_in country. "+
		"The host can only delay or drop those answers, which widens the region (inconclusive), never moves it.",
	"location.inbound: {not_in: [US, CN]}",
	[]string{probes.InboundName}, checkInboundArea,
	func(p InboundArea, f Facts) Outcome {
		r, refs, who, miss := inboundRegion(f)
		if miss != nil {
			return *miss
		}
		rel := map[geo.Relation][]string{}
		for _, cc := range append(p.In, p.NotIn...) {
			x, err := borders.Relate(r, cc)
			if err != nil {
				return Outcome{Status: results.StatusError, Reason: err.Error(), Evidence: refs}
			}
			rel[x] = append(rel[x], strings.ToUpper(cc))
		}
		say := func(s string) string { return fmt.Sprintf("the outside region (%s; %s) %s", r, who, s) }
		join := func(x geo.Relation) string { return strings.Join(rel[x], ", ") }
		if len(p.In) > 0 {
			switch {
			case len(rel[geo.Inside]) > 0:
				return pass(say("lies inside "+join(geo.Inside)), regionFigure(r), refs...)
			case len(rel[geo.Overlaps]) == 0:
				return fail(say("misses "+strings.Join(p.In, ", ")+" entirely"), regionFigure(r), refs...)
			}
			return inconclusive(say("reaches beyond "+join(geo.Overlaps)), refs...)
		}
		switch {
		case len(rel[geo.Inside]) > 0:
			return fail(say("lies inside "+join(geo.Inside)), regionFigure(r), refs...)
		case len(rel[geo.Overlaps]) > 0:
			return inconclusive(say("reaches into "+join(geo.Overlaps)), refs...)
		}
		return pass(say("misses "+strings.Join(p.NotIn, ", ")), regionFigure(r), refs...)
	})
