package claims

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/results"
)

// euEEA are the countries "EU" stands for in jurisdiction claims: the EU
// member states plus the EEA states.
var euEEA = []string{
	"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
	"IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
	"IS", "LI", "NO",
}

// expandCountries upper-cases codes and expands "EU" to euEEA.
func expandCountries(in []string) []string {
	var out []string
	for _, c := range in {
		c = strings.ToUpper(c)
		if c == "EU" {
			out = append(out, euEEA...)
			continue
		}
		out = append(out, c)
	}
	return out
}

func countryCodes(cs []string) error {
	if len(cs) == 0 {
		return fmt.Errorf("needs at least one country code")
	}
	for _, c := range cs {
		if len(c) != 2 {
			return fmt.Errorf("%q is not an ISO 3166-1 alpha-2 code or EU", c)
		}
	}
	return nil
}

func jurisdictionEvidence(f Facts) (*results.JurisdictionDetails, string, *Outcome) {
	for _, e := range f.Of("jurisdiction") {
		if e.Jurisdiction != nil && e.Failure == nil {
			if !e.Jurisdiction.Found {
				o := inconclusive(fmt.Sprintf("operator %q is not in the registry", e.Jurisdiction.Operator), e.ID)
				return nil, "", &o
			}
			return e.Jurisdiction, e.ID, nil
		}
	}
	o := inconclusive("no operator-registry evidence for " + f.Target)
	return nil, "", &o
}

// chainText renders "Bleu SAS (FR) ← Orange S.A. (FR), Capgemini SE (FR)".
func chainText(d *results.JurisdictionDetails) string {
	parts := make([]string, len(d.Chain))
	for i, e := range d.Chain {
		parts[i] = fmt.Sprintf("%s (%s)", e.LegalEntity, e.Country)
	}
	return strings.Join(parts, " ← ")
}

var claimJurisdictionNotSubjectTo = claimKind("jurisdiction.not_subject_to",
	"No company in the operator's chain of control is in these countries (a foreign parent brings its laws along, wherever the disks are).",
	"jurisdiction.not_subject_to: [US, CN]",
	[]string{"jurisdiction"}, countryCodes,
	func(countries []string, f Facts) Outcome {
		d, ref, miss := jurisdictionEvidence(f)
		if miss != nil {
			return *miss
		}
		bad := expandCountries(countries)
		for _, e := range d.Chain {
			if slices.Contains(bad, e.Country) {
				return fail(fmt.Sprintf("%s is controlled from %s: %s", d.Operator, e.Country, chainText(d)), strings.Join(d.Jurisdictions, "+"), ref)
			}
		}
		return pass(fmt.Sprintf("chain of control in %s: %s (registry %s)", strings.Join(d.Jurisdictions, ", "), chainText(d), d.RegistryVersion), strings.Join(d.Jurisdictions, "+"), ref)
	})

var claimJurisdictionWithin = claimKind("jurisdiction.within",
	"Every company in the operator's chain of control is in these countries (EU = the EU and EEA states).",
	"jurisdiction.within: [EU]",
	[]string{"jurisdiction"}, countryCodes,
	func(countries []string, f Facts) Outcome {
		d, ref, miss := jurisdictionEvidence(f)
		if miss != nil {
			return *miss
		}
		ok := expandCountries(countries)
		for _, e := range d.Chain {
			if !slices.Contains(ok, e.Country) {
				return fail(fmt.Sprintf("%s (%s) is outside %s: %s", e.LegalEntity, e.Country, strings.Join(countries, ", "), chainText(d)), strings.Join(d.Jurisdictions, "+"), ref)
			}
		}
		return pass(fmt.Sprintf("chain of control within %s: %s", strings.Join(countries, ", "), chainText(d)), strings.Join(d.Jurisdictions, "+"), ref)
	})
