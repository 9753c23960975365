package frameworks

import (
	"bytes"
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

//go:embed criteria.yaml
var criteriaYAML []byte

// Roles of a criterion for a claim kind.
const (
	// RoleDirect: the verdict speaks to the criterion itself.
	RoleDirect = "direct"
	// RoleSupporting: the verdict backs other evidence for the criterion.
	RoleSupporting = "supporting"
)

// Criterion is one audit criterion as a claim kind refers to it.
type Criterion struct {
	ID        string `json:"id"`        // e.g. "snc-19.2"
	Framework string `json:"framework"` // e.g. "ANSSI SecNumCloud 3.2"
	Ref       string `json:"ref"`       // e.g. "§19.2"
	Title     string `json:"title"`     // a short summary; the source governs
	Source    string `json:"source"`    // the document it comes from
	Role      string `json:"role"`      // RoleDirect or RoleSupporting
}

// Label is "ANSSI SecNumCloud 3.2 §19.2".
func (c Criterion) Label() string { return c.Framework + " " + c.Ref }

type file struct {
	Frameworks map[string]struct {
		Name   string `yaml:"name"`
		Source string `yaml:"source"`
	} `yaml:"frameworks"`
	Criteria map[string]struct {
		Framework string `yaml:"framework"`
		Ref       string `yaml:"ref"`
		Title     string `yaml:"title"`
	} `yaml:"criteria"`
	Claims map[string][]struct {
		Criterion string `yaml:"criterion"`
		Role      string `yaml:"role"`
	} `yaml:"claims"`
}

var load = sync.OnceValues(func() (map[string][]Criterion, error) { return parse(criteriaYAML) })

// parse reads a criteria file strictly: unknown keys, a criterion naming no
// framework, a claim naming no criterion or a role other than direct or
// supporting are errors.
func parse(data []byte) (map[string][]Criterion, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f file
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("reading criteria.yaml: %w", err)
	}
	out := map[string][]Criterion{}
	for kind, refs := range f.Claims {
		for _, r := range refs {
			c, ok := f.Criteria[r.Criterion]
			if !ok {
				return nil, fmt.Errorf("criteria.yaml: claims.%s: no criterion %q", kind, r.Criterion)
			}
			fw, ok := f.Frameworks[c.Framework]
			if !ok {
				return nil, fmt.Errorf("criteria.yaml: criteria.%s: no framework %q", r.Criterion, c.Framework)
			}
			if r.Role != RoleDirect && r.Role != RoleSupporting {
				return nil, fmt.Errorf("criteria.yaml: claims.%s: role %q is not direct or supporting", kind, r.Role)
			}
			out[kind] = append(out[kind], Criterion{ID: r.Criterion, Framework: fw.Name, Ref: c.Ref,
				Title: c.Title, Source: fw.Source, Role: r.Role})
		}
	}
	return out, nil
}

func table() map[string][]Criterion {
	t, err := load()
	if err != nil {
		panic("frameworks: embedded " + err.Error()) // a build defect, tested
	}
	return t
}

// For lists the criteria a claim kind gives evidence for, direct ones
// first, in the file's order otherwise; nil for a kind the table lacks.
func For(claimKind string) []Criterion {
	cs := slices.Clone(table()[claimKind])
	slices.SortStableFunc(cs, func(a, b Criterion) int {
		return rank(a.Role) - rank(b.Role)
	})
	return cs
}

func rank(role string) int {
	if role == RoleDirect {
		return 0
	}
	return 1
}

// Kinds lists the claim kinds the table covers, sorted.
func Kinds() []string {
	var out []string
	for k := range table() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Short is a compact list for table cells, grouped by framework in the
// order the criteria come: "SecNumCloud §19.2, §19.6 a–f · C5 PSS-12".
// Supporting criteria are marked with a trailing "*".
func Short(cs []Criterion) string {
	var order []string
	refs := map[string][]string{}
	for _, c := range cs {
		fw := shortName(c.Framework)
		if _, ok := refs[fw]; !ok {
			order = append(order, fw)
		}
		r := c.Ref
		if c.Role == RoleSupporting {
			r += "*"
		}
		refs[fw] = append(refs[fw], r)
	}
	parts := make([]string, len(order))
	for i, fw := range order {
		parts[i] = fw + " " + strings.Join(refs[fw], ", ")
	}
	return strings.Join(parts, " · ")
}

// shortName drops the publisher and version: "ANSSI SecNumCloud 3.2" →
// "SecNumCloud", "BSI C5:2020" → "C5".
func shortName(fw string) string {
	f := strings.Fields(fw)
	if len(f) > 1 {
		f = f[1:]
	}
	name := f[0]
	name, _, _ = strings.Cut(name, ":")
	return name
}
