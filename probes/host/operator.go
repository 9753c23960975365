package host

import (
	"maps"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// signalValue is one value a rule can match, with where it came from.
type signalValue struct {
	Signal Signal
	Field  string
	Value  string
	Source string
}

// signalsOf lists every signal value of d that the rules can match.
func signalsOf(d *results.HostDetails) []signalValue {
	var out []signalValue
	add := func(s Signal, field, value, source string) {
		if value != "" {
			out = append(out, signalValue{s, field, value, source})
		}
	}
	for _, c := range d.DMI {
		if c.Failure == nil {
			add(SigDMI, c.Name, c.Value, c.Source)
		}
	}
	if d.Hypervisor.Present {
		add(SigHypervisor, "", d.Hypervisor.Signature, d.Hypervisor.Source)
	} else if d.Hypervisor.Source != "" {
		add(SigHypervisor, "", "none", d.Hypervisor.Source)
	}
	add(SigVirt, "", d.Virt.Value, d.Virt.Source)
	if d.MetadataQueried {
		answered := d.Answered()
		for _, a := range answered {
			add(SigIMDS, a.Mode, a.Flavor, a.URL)
		}
		if len(answered) == 0 {
			add(SigIMDS, "", "none", "metadata services")
		}
	}
	for _, n := range d.NICs {
		add(SigNIC, n.VendorRule, n.Vendor, n.Source)
	}
	for _, r := range d.Resolvers {
		switch r.Name {
		case "nameserver":
			add(SigResolver, "", r.Value, r.Source)
		case "search":
			add(SigSearch, "", r.Value, r.Source)
		}
	}
	for _, n := range d.NTP {
		add(SigNTP, n.Name, n.Value, n.Source)
	}
	return out
}

// GuessOperator applies OperatorRules to the signals in d. The result is a
// claim built from claims: every input can be set by whoever runs the host.
// Confidence is high when three kinds of signal agree (or a metadata service
// and another kind) with a clear margin, medium for two kinds, else low. A tie
// at the top names no operator.
func GuessOperator(d *results.HostDetails) results.OperatorGuess {
	g, kinds := fireRules(d)
	if len(g.Scores) == 0 {
		g.Scores = nil
		return g
	}
	type cand struct {
		op    string
		score int
		kinds map[Signal]bool
	}
	var cands []cand
	for op, score := range g.Scores {
		ks := maps.Clone(kinds[op])
		if fam, ok := operatorFamilies[op]; ok {
			score += g.Scores[fam]
			maps.Copy(ks, kinds[fam])
		}
		cands = append(cands, cand{op, score, ks})
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.score != b.score {
			return b.score - a.score
		}
		return strings.Compare(a.op, b.op)
	})
	best, second := cands[0], 0
	for _, c := range cands[1:] {
		related := operatorFamilies[best.op] == c.op || operatorFamilies[c.op] == best.op
		if !related {
			second = max(second, c.score)
		}
	}
	if best.score == second {
		return g
	}
	g.Name = best.op
	g.Confidence = confidence(best.kinds, best.score-second)
	return g
}

// fireRules matches every signal of d against OperatorRules. A rule counts
// once, however many values match it. It returns the guess with its hits
// and scores (name still unknown) and the signal kinds behind each operator.
func fireRules(d *results.HostDetails) (results.OperatorGuess, map[string]map[Signal]bool) {
	g := results.OperatorGuess{Name: probes.OpUnknown, Confidence: "low", Scores: map[string]int{}}
	kinds := map[string]map[Signal]bool{}
	fired := map[string]bool{}
	for _, v := range signalsOf(d) {
		for _, r := range OperatorRules() {
			if fired[r.Name] || r.Signal != v.Signal || (r.Field != "" && r.Field != v.Field) || !r.Match.MatchString(v.Value) {
				continue
			}
			fired[r.Name] = true
			g.Rules = append(g.Rules, results.RuleHit{
				Rule: r.Name, Operator: r.Operator, Weight: r.Weight,
				Signal: string(r.Signal), Value: v.Value, Source: v.Source,
			})
			g.Scores[r.Operator] += r.Weight
			if kinds[r.Operator] == nil {
				kinds[r.Operator] = map[Signal]bool{}
			}
			kinds[r.Operator][r.Signal] = true
		}
	}
	return g, kinds
}

func confidence(kinds map[Signal]bool, margin int) string {
	n := len(kinds)
	switch {
	case margin >= 3 && (n >= 3 || (n >= 2 && kinds[SigIMDS])):
		return "high"
	case margin >= 2 && n >= 2:
		return "medium"
	}
	return "low"
}
