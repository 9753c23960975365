package landmarks

import (
	"fmt"
	"slices"
	"strings"
)

// Pick applies the selection's rules to set (no file read, no pin check):
// the landmarks chosen, in rule order, and one line per rule.
func (sel *Selection) Pick(set *Set) ([]Picked, []string, error) {
	if err := sel.check(); err != nil {
		return nil, nil, err
	}
	family := sel.Family
	if family == "" {
		family = "ip4"
	}
	var cands []Landmark
	for _, l := range set.Landmarks {
		if l.Address(family) != "" && !slices.Contains(sel.Exclude, l.Name) {
			cands = append(cands, l)
		}
	}
	p := &picker{seen: map[string]bool{}}
	ref, hasRef, err := sel.reference()
	if err != nil {
		return nil, nil, err
	}
	if n := sel.Nearest; n != nil {
		sorted, _ := byDistance(cands, ref[0], ref[1])
		got := p.take(sorted[:min(n.N, len(sorted))], "nearest")
		p.rule(fmt.Sprintf("nearest %d to %s", got, n.Place), got, n.N)
	}
	if pc := sel.PerCountry; pc != nil {
		for _, cc := range pc.Countries {
			in := filter(cands, func(l Landmark) bool { return l.Country == cc })
			if hasRef {
				in, _ = byDistance(in, ref[0], ref[1])
			}
			got := p.take(in[:min(pc.N, len(in))], "per_country "+cc)
			p.rule(fmt.Sprintf("%d in %s", got, cc), got, pc.N)
		}
	}
	if f := sel.Far; f != nil {
		if err := p.far(f, cands, ref); err != nil {
			return nil, nil, err
		}
	}
	for _, name := range sel.Names {
		i := slices.IndexFunc(cands, func(l Landmark) bool { return l.Name == name })
		if i < 0 {
			return nil, nil, fmt.Errorf("names: %q is not in the file (or has no %s address)", name, family)
		}
		p.take([]Landmark{cands[i]}, "named")
	}
	if len(sel.Names) > 0 {
		p.rules = append(p.rules, fmt.Sprintf("%d by name", len(sel.Names)))
	}
	if len(p.out) == 0 {
		return nil, nil, fmt.Errorf("the rules choose no landmark with an %s address", family)
	}
	return p.out, p.rules, nil
}

// reference is the place distances are measured from: nearest's, else far's.
func (sel *Selection) reference() ([2]float64, bool, error) {
	switch {
	case sel.Nearest != nil:
		lat, lon, err := sel.Nearest.resolve("nearest")
		return [2]float64{lat, lon}, true, err
	case sel.Far != nil:
		lat, lon, err := sel.Far.resolve("far")
		return [2]float64{lat, lon}, true, err
	}
	return [2]float64{}, false, nil
}

type picker struct {
	seen  map[string]bool
	out   []Picked
	rules []string
}

// take adds the landmarks not chosen yet and returns how many the rule
// chose (repeats included: a landmark two rules choose counts for both).
func (p *picker) take(lms []Landmark, rule string) int {
	for _, l := range lms {
		if !p.seen[l.Name] {
			p.seen[l.Name] = true
			p.out = append(p.out, Picked{Landmark: l, Rule: rule})
		}
	}
	return len(lms)
}

func (p *picker) rule(text string, got, want int) {
	if got < want {
		text += fmt.Sprintf(" (of %d asked: the file has no more)", want)
	}
	p.rules = append(p.rules, text)
}

// far picks the controls: at least MinKm from the place, one per country,
// the nearest first.
func (p *picker) far(f *Far, cands []Landmark, ref [2]float64) error {
	if f.Place.given() {
		lat, lon, err := f.resolve("far")
		if err != nil {
			return err
		}
		ref = [2]float64{lat, lon}
	}
	sorted, km := byDistance(cands, ref[0], ref[1])
	countries := map[string]bool{}
	var got []Landmark
	for _, l := range sorted {
		if len(got) == f.N {
			break
		}
		if km[l.Name] < f.MinKm || countries[l.Country] || (len(f.Countries) > 0 && !slices.Contains(f.Countries, l.Country)) {
			continue
		}
		countries[l.Country] = true
		got = append(got, l)
	}
	p.take(got, "far")
	where := ""
	if len(f.Countries) > 0 {
		where = " in " + strings.Join(f.Countries, ", ")
	}
	p.rule(fmt.Sprintf("%d far controls%s at least %.0f km away, one per country", len(got), where, f.MinKm), len(got), f.N)
	return nil
}

func filter(lms []Landmark, keep func(Landmark) bool) []Landmark {
	var out []Landmark
	for _, l := range lms {
		if keep(l) {
			out = append(out, l)
		}
	}
	return out
}
