package probes

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/results"
)

//go:embed jurisdiction_registry.yaml
var registryYAML []byte

// OperatorRegistry returns the shipped operator registry, parsed once.
func OperatorRegistry() (*Registry, error) { return loadRegistry() }

// Resolve returns the registry's facts about operator: its chain of
// control and the jurisdictions along it, with the registry's version and
// digest.
func (r *Registry) Resolve(operator string) results.JurisdictionDetails { return r.resolve(operator) }

// Registry is the operator registry shipped with sovbench
// (jurisdiction_registry.yaml, embedded): operators, their controlling
// parents and a public source per fact. The jurisdiction params validate
// against it and the jurisdiction probe records what it says.
type Registry struct {
	Version   string          `yaml:"version"`
	Operators []registryEntry `yaml:"operators"`
	sha256    string
}

type registryEntry struct {
	Name        string   `yaml:"name"`
	LegalEntity string   `yaml:"legal_entity"`
	Country     string   `yaml:"country"`
	Parents     []string `yaml:"parents"`
	Technology  string   `yaml:"technology"`
	Sources     []string `yaml:"sources"`
}

var loadRegistry = sync.OnceValues(func() (*Registry, error) { return parseRegistry(registryYAML) })

// parseRegistry decodes and checks a registry: every parent is an entry,
// every entry has a country and a source, and no chain of control loops.
func parseRegistry(data []byte) (*Registry, error) {
	var r Registry
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("decoding operator registry: %w", err)
	}
	sum := sha256.Sum256(data)
	r.sha256 = hex.EncodeToString(sum[:])
	seen := map[string]bool{}
	for _, e := range r.Operators {
		switch {
		case e.Name == "" || len(e.Country) != 2 || len(e.Sources) == 0:
			return nil, fmt.Errorf("operator registry: entry %q needs a name, a two-letter country and a source", e.Name)
		case seen[strings.ToLower(e.Name)]:
			return nil, fmt.Errorf("operator registry: %q listed twice", e.Name)
		}
		seen[strings.ToLower(e.Name)] = true
	}
	for _, e := range r.Operators {
		for _, p := range e.Parents {
			if !seen[strings.ToLower(p)] {
				return nil, fmt.Errorf("operator registry: %q names unknown parent %q", e.Name, p)
			}
		}
		if err := r.checkAcyclic(e.Name, nil); err != nil {
			return nil, err
		}
	}
	return &r, nil
}

func (r *Registry) find(name string) *registryEntry {
	for i := range r.Operators {
		if strings.EqualFold(r.Operators[i].Name, name) || strings.EqualFold(r.Operators[i].LegalEntity, name) {
			return &r.Operators[i]
		}
	}
	return nil
}

func (r *Registry) names() []string {
	out := make([]string, len(r.Operators))
	for i, e := range r.Operators {
		out[i] = e.Name
	}
	slices.Sort(out)
	return out
}

// chain lists name's entry then every entity controlling it, breadth first,
// each once.
func (r *Registry) chain(name string) []*registryEntry {
	var out []*registryEntry
	seen := map[string]bool{}
	for queue := []string{name}; len(queue) > 0; queue = queue[1:] {
		e := r.find(queue[0])
		if e == nil || seen[e.Name] {
			continue
		}
		seen[e.Name] = true
		out = append(out, e)
		queue = append(queue, e.Parents...)
	}
	return out
}

// checkAcyclic fails when a chain of control leads back to where it started.
func (r *Registry) checkAcyclic(name string, path []string) error {
	if slices.Contains(path, name) {
		return fmt.Errorf("operator registry: control loops: %s", strings.Join(append(path, name), " -> "))
	}
	e := r.find(name)
	if e == nil {
		return nil
	}
	for _, p := range e.Parents {
		if err := r.checkAcyclic(p, append(slices.Clip(path), name)); err != nil {
			return err
		}
	}
	return nil
}

func (r *Registry) resolve(operator string) results.JurisdictionDetails {
	d := results.JurisdictionDetails{Operator: operator, RegistryVersion: r.Version, RegistrySHA256: r.sha256}
	chain := r.chain(operator)
	if len(chain) == 0 {
		return d
	}
	d.Found = true
	d.TechnologyVendor = chain[0].Technology
	for _, e := range chain {
		d.Chain = append(d.Chain, results.Entity{Name: e.Name, LegalEntity: e.LegalEntity, Country: e.Country, ControlledBy: e.Parents, Sources: e.Sources})
		if !slices.Contains(d.Jurisdictions, e.Country) {
			d.Jurisdictions = append(d.Jurisdictions, e.Country)
		}
	}
	return d
}
