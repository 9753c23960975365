package claims

import (
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/results"
)

func jurisdictionFacts(chain ...results.Entity) Facts {
	d := &results.JurisdictionDetails{Operator: chain[0].Name, Found: true, RegistryVersion: "v", Chain: chain}
	for _, e := range chain {
		d.Jurisdictions = append(d.Jurisdictions, e.Country)
	}
	return Facts{Target: "t", Evidence: []results.Evidence{{ID: "t/jurisdiction", Probe: "jurisdiction", Jurisdiction: d}}}
}

func TestJurisdictionClaims(t *testing.T) {
	msFrance := jurisdictionFacts(results.Entity{Name: "Microsoft France", LegalEntity: "Microsoft France SAS", Country: "FR"}, results.Entity{Name: "Microsoft", LegalEntity: "Microsoft Corporation", Country: "US"})
	bleu := jurisdictionFacts(results.Entity{Name: "Bleu", LegalEntity: "Bleu SAS", Country: "FR"}, results.Entity{Name: "Orange", LegalEntity: "Orange S.A.", Country: "FR"})
	missing := Facts{Target: "t"}
	cases := []struct {
		name  string
		kind  Kind
		param []string
		facts Facts
		want  results.Status
	}{
		{"a US parent fails not_subject_to US wherever the subsidiary is", claimJurisdictionNotSubjectTo, []string{"US"}, msFrance, results.StatusFail},
		{"an all-French chain passes not_subject_to US", claimJurisdictionNotSubjectTo, []string{"US", "CN"}, bleu, results.StatusPass},
		{"an all-French chain is within the EU", claimJurisdictionWithin, []string{"EU"}, bleu, results.StatusPass},
		{"a US parent is not within the EU", claimJurisdictionWithin, []string{"EU"}, msFrance, results.StatusFail},
		{"no registry evidence is inconclusive", claimJurisdictionWithin, []string{"EU"}, missing, results.StatusInconclusive},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eval, err := c.kind.parse(node(t, c.param).Decode)
			if err != nil {
				t.Fatal(err)
			}
			if o := eval(c.facts); o.Status != c.want {
				t.Errorf("status %s (%s), want %s", o.Status, o.Reason, c.want)
			}
		})
	}
}

// node encodes v as a YAML node, as a suite would hold it.
func node(t testing.TB, v any) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		t.Fatal(err)
	}
	return &n
}
