package landmarks

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/internal/limits"
)

// Selection names landmarks by a landmark file plus rules. The rules add
// up, in the order nearest, per_country, far, names, without repeats; a
// selection needs at least one. Only landmarks with an address in Family
// are chosen.
type Selection struct {
	File string `yaml:"file" json:"file"`
	// SHA256 pins the file's landmarks (Set.SHA256): a file whose
	// landmarks hash otherwise is refused.
	SHA256 string `yaml:"sha256" json:"sha256,omitempty"`
	// Family is ip4 (default) or ip6.
	Family     string      `yaml:"family" json:"family,omitempty"`
	Nearest    *Nearest    `yaml:"nearest" json:"nearest,omitempty"`
	PerCountry *PerCountry `yaml:"per_country" json:"per_country,omitempty"`
	Far        *Far        `yaml:"far" json:"far,omitempty"`
	// Names picks landmarks by name; Exclude leaves them out of every rule.
	Names   []string `yaml:"names" json:"names,omitempty"`
	Exclude []string `yaml:"exclude" json:"exclude,omitempty"`
}

// Place is where a rule measures distances from: a place of the landmark
// catalogue by name ("Luxembourg", "Frankfurt,DE") or At [lat, lon].
type Place struct {
	To string    `yaml:"to" json:"to,omitempty"`
	At []float64 `yaml:"at" json:"at,omitempty"`
}

// Nearest picks the N landmarks nearest to a place.
type Nearest struct {
	Place `yaml:",inline"`
	N     int `yaml:"n" json:"n"`
}

// PerCountry picks N landmarks in each country: the nearest to the
// selection's place when it has one (nearest.to or far.to), else the first
// by name.
type PerCountry struct {
	Countries []string `yaml:"countries" json:"countries"`
	N         int      `yaml:"n" json:"n"`
}

// Far picks N controls at least MinKm from a place (default: the nearest
// rule's), one per country, the nearest first; Countries, when given,
// limits them to those countries (e.g. [US] to be able to disprove a host
// in the US).
type Far struct {
	Place     `yaml:",inline"`
	N         int      `yaml:"n" json:"n"`
	MinKm     float64  `yaml:"min_km" json:"min_km"`
	Countries []string `yaml:"countries" json:"countries,omitempty"`
}

// Picked is one chosen landmark and the rule that chose it.
type Picked struct {
	Landmark
	Rule string
}

// Apply reads the file (Read), checks the pin and applies the rules. The
// description says which file (digest, source, fetch time) and rules.
func (sel *Selection) Apply(ctx context.Context, lim limits.Limits) ([]Picked, string, error) {
	if sel.File == "" {
		return nil, "", fmt.Errorf("file: missing")
	}
	if err := sel.check(); err != nil {
		return nil, "", err
	}
	set, err := Read(ctx, sel.File, lim)
	if err != nil {
		return nil, "", fmt.Errorf("file: %w", err)
	}
	if sel.SHA256 != "" && sel.SHA256 != set.SHA256 {
		return nil, "", &DigestError{Field: "sha256", Want: sel.SHA256, Got: set.SHA256}
	}
	picked, rules, err := sel.Pick(set)
	if err != nil {
		return nil, "", err
	}
	desc := fmt.Sprintf("%d landmarks of %s (sha256 %s; %s, fetched %s): %s", len(picked), sel.File,
		set.SHA256, set.Source, set.Fetched.Format("2006-01-02T15:04:05Z"), strings.Join(rules, "; "))
	return picked, desc, nil
}

func (sel *Selection) check() error {
	switch {
	case sel.Family != "" && sel.Family != "ip4" && sel.Family != "ip6":
		return fmt.Errorf("family: %q is not ip4 or ip6", sel.Family)
	case sel.Nearest == nil && sel.PerCountry == nil && sel.Far == nil && len(sel.Names) == 0:
		return fmt.Errorf("needs a rule: nearest, per_country, far or names")
	}
	if sel.Nearest != nil && sel.Nearest.N < 1 {
		return fmt.Errorf("nearest.n: must be at least 1")
	}
	if p := sel.PerCountry; p != nil {
		if p.N < 1 || len(p.Countries) == 0 {
			return fmt.Errorf("per_country: needs countries and n of at least 1")
		}
		if err := upperCodes("per_country.countries", p.Countries); err != nil {
			return err
		}
	}
	if f := sel.Far; f != nil {
		if f.N < 1 || f.MinKm <= 0 {
			return fmt.Errorf("far: needs n of at least 1 and a positive min_km")
		}
		if err := upperCodes("far.countries", f.Countries); err != nil {
			return err
		}
	}
	return nil
}

func upperCodes(field string, codes []string) error {
	for i, c := range codes {
		if !geo.IsCountryCode(c) {
			return fmt.Errorf("%s[%d]: %q is not an ISO 3166-1 alpha-2 code", field, i, c)
		}
		codes[i] = strings.ToUpper(c)
	}
	return nil
}

// resolve returns the place's position.
func (p Place) resolve(field string) (lat, lon float64, err error) {
	switch {
	case len(p.At) == 2 && p.To == "":
		if p.At[0] < -90 || p.At[0] > 90 || p.At[1] < -180 || p.At[1] > 180 {
			return 0, 0, fmt.Errorf("%s.at: %v is not [lat, lon]", field, p.At)
		}
		return p.At[0], p.At[1], nil
	case len(p.At) == 0 && p.To != "":
		l, ok := geo.LookupLandmark(p.To)
		if !ok {
			return 0, 0, fmt.Errorf("%s.to: %q is not in the place catalogue; give at: [lat, lon]", field, p.To)
		}
		return l.Lat, l.Lon, nil
	}
	return 0, 0, fmt.Errorf("%s: give to: <place> or at: [lat, lon]", field)
}

func (p Place) String() string {
	if p.To != "" {
		return p.To
	}
	return fmt.Sprintf("%.4f,%.4f", p.At[0], p.At[1])
}

func (p Place) given() bool { return p.To != "" || len(p.At) > 0 }

// byDistance returns the candidates sorted by distance from lat, lon (then
// by name), with the distances.
func byDistance(cands []Landmark, lat, lon float64) ([]Landmark, map[string]float64) {
	km := make(map[string]float64, len(cands))
	for _, l := range cands {
		km[l.Name] = geo.DistanceKm(lat, lon, l.Lat, l.Lon)
	}
	out := slices.Clone(cands)
	slices.SortFunc(out, func(a, b Landmark) int {
		return cmp.Or(cmp.Compare(km[a.Name], km[b.Name]), strings.Compare(a.Name, b.Name))
	})
	return out, km
}
