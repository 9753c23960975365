package probes

import (
	"slices"
	"testing"
)

func TestRegistryResolvesChainsOfControl(t *testing.T) {
	reg, err := loadRegistry()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		operator      string
		chain         []string
		jurisdictions []string
	}{
		{"Clarence", []string{"Clarence", "Proximus Luxembourg", "LuxConnect", "Proximus"}, []string{"LU", "BE"}},
		{"Microsoft France", []string{"Microsoft France", "Microsoft"}, []string{"FR", "US"}},
		{"Bleu", []string{"Bleu", "Orange", "Capgemini"}, []string{"FR"}},
		{"TikTok", []string{"TikTok", "ByteDance"}, []string{"IE", "CN"}},
		{"scaleway sas", []string{"Scaleway", "Iliad"}, []string{"FR"}},
	}
	for _, c := range cases {
		t.Run(c.operator, func(t *testing.T) {
			d := reg.resolve(c.operator)
			var names []string
			for _, e := range d.Chain {
				names = append(names, e.Name)
				if len(e.Sources) == 0 {
					t.Errorf("%s has no source", e.Name)
				}
			}
			if !d.Found || !slices.Equal(names, c.chain) || !slices.Equal(d.Jurisdictions, c.jurisdictions) {
				t.Errorf("chain %v jurisdictions %v, want %v %v", names, d.Jurisdictions, c.chain, c.jurisdictions)
			}
			if len(d.RegistrySHA256) != 64 || d.RegistryVersion == "" {
				t.Errorf("registry not identified: %q %q", d.RegistryVersion, d.RegistrySHA256)
			}
		})
	}
}

func TestRegistryRejectsBadData(t *testing.T) {
	cases := map[string]string{
		"an unknown parent": "version: x\noperators:\n  - {name: A, legal_entity: A, country: FR, parents: [B], sources: [s]}\n",
		"a control loop":    "version: x\noperators:\n  - {name: A, country: FR, parents: [B], sources: [s]}\n  - {name: B, country: FR, parents: [A], sources: [s]}\n",
		"a missing source":  "version: x\noperators:\n  - {name: A, country: FR}\n",
		"a duplicate":       "version: x\noperators:\n  - {name: A, country: FR, sources: [s]}\n  - {name: a, country: DE, sources: [s]}\n",
		"an unknown key":    "version: x\noperators:\n  - {name: A, country: FR, sources: [s], ceo: x}\n",
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := parseRegistry([]byte(data)); err == nil {
				t.Error("registry accepted")
			}
		})
	}
}
