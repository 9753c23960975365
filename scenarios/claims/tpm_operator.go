package claims

import (
	"fmt"
	"strings"

	"github.com/sovbench/sovbench/attest"
)

// TPMOperatorParams: tpm.operator_not_in.
type TPMOperatorParams struct {
	Operators []string `yaml:"operators"`
	TPMTrust  `yaml:",inline"`
}

var claimTPMOperatorNotIn = claimKind("tpm.operator_not_in",
	"No verified TPM fact names one of these operators: a cloud AK certificate (GCE instance identity; the operator is the cloud vTPM root it chains to) or the cloud vTPM root the EK chains to. A pass needs an EK endorsed by a maker or another cloud, with the AK↔EK binding confirmed by a challenging verifier unless activation: local.",
	"tpm.operator_not_in: {operators: [Google, Microsoft, Amazon]}",
	[]string{"tpm"},
	func(p TPMOperatorParams) error {
		if err := nonEmptyList("operator")(p.Operators); err != nil {
			return err
		}
		return p.check()
	},
	func(pr TPMOperatorParams, f Facts) Outcome {
		v, miss := tpmJudge(f, pr.TPMTrust)
		if miss != nil {
			return *miss
		}
		var facts []string
		for _, of := range v.p.Operators {
			if !of.Verified {
				continue
			}
			facts = append(facts, of.Operator)
			if hit := matchAny(pr.Operators, of.Operator); hit != "" {
				o := fail(fmt.Sprintf("%s AK certificate chains to %s's cloud vTPM root %s (zone %s, project %s, bound to the quoting AK: %v)", of.Source, of.Operator, of.Root, of.Zone, of.Project, of.Bound), hit, v.ref)
				o.Roots = []string{of.Root}
				return o
			}
		}
		switch v.class {
		case attest.ClassSoftware, attest.ClassUnendorsed:
			return v.out(inconclusive(fmt.Sprintf("no endorsed EK names an operator: %s", v.what), v.ref))
		}
		r := v.chain.Root
		if v.class == attest.ClassCloudVTPM {
			if hit := matchAny(pr.Operators, r.Vendor); hit != "" {
				return v.out(fail(v.what, hit, v.ref))
			}
		}
		if v.bindingErr != "" {
			return v.out(inconclusive(v.what+"; "+v.bindingErr, v.ref))
		}
		facts = append(facts, r.Vendor)
		return v.out(pass(fmt.Sprintf("verified TPM facts name %s, none of %s: %s; %s", strings.Join(facts, ", "), strings.Join(pr.Operators, ", "), v.what, v.binding), r.Vendor, v.ref))
	})
