package claims

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/attest"
)

// claimedWord says why a host-identity value cannot pass a claim.
const claimedWord = "the host's own word (the provider writes DMI strings and CPUID signatures and can block a metadata service), which can fail this claim but not pass it; nothing attested confirms it"

// claimedOnly is the verdict of a host-identity claim that its evidence
// would pass but that rests only on values the provider controls: a lying
// provider sets DMI strings, hides or renames its hypervisor's CPUID
// signature and blocks its metadata service, so such values count when
// they admit a failure and are inconclusive otherwise. The figure still
// shows what the host claimed.
func claimedOnly(reason, figure, ref string) Outcome {
	o := inconclusive(reason+"; "+claimedWord, ref)
	o.Figure = figure
	return o
}

// attestedOperator is an operator named by a verified TPM fact.
type attestedOperator struct {
	names []string // operators the facts name
	why   string   // the facts, for a reason
	ref   string   // the TPM evidence
	roots []string // anchors the facts rest on
}

// attestedOperatorOf returns the operators verified TPM facts of f name,
// judged under the default TPM policy (the AK↔EK binding confirmed by a
// challenging verifier that signs the report): an EK chain to a cloud
// vTPM root, or a cloud AK certificate that chains to one and certifies the
// quoting AK. A maker-endorsed TPM names no operator (any operator can buy
// one). Nil when no such fact exists.
func attestedOperatorOf(f Facts) *attestedOperator {
	if len(f.Of("tpm")) == 0 {
		return nil
	}
	v, miss := tpmJudge(f, TPMTrust{})
	if miss != nil || v.forged {
		return nil
	}
	a := &attestedOperator{ref: v.ref}
	var why []string
	for _, of := range v.p.Operators {
		if of.Verified && of.Bound && !slices.Contains(a.names, of.Operator) {
			a.names = append(a.names, of.Operator)
			a.roots = append(a.roots, of.Root)
			why = append(why, fmt.Sprintf("%s AK certificate certifies the quoting AK and chains to %s's cloud vTPM root", of.Source, of.Operator))
		}
	}
	if v.class == attest.ClassCloudVTPM && v.bindingErr == "" {
		if r := v.chain.Root; !slices.Contains(a.names, r.Vendor) {
			a.names = append(a.names, r.Vendor)
			a.roots = append(a.roots, v.roots()...)
			why = append(why, v.what+"; "+v.binding)
		}
	}
	if len(a.names) == 0 {
		return nil
	}
	a.why = "attested: " + strings.Join(why, "; ")
	return a
}

// judge decides operator.in (in) or operator.not_in on the attested
// operators; claimed is the host's own signals, for the reason.
func (a *attestedOperator) judge(names []string, in bool, claimed, ref string) Outcome {
	hit := matchAny(names, a.names...)
	reason := a.why + " (" + claimed + ")"
	figure := strings.Join(a.names, ", ")
	var o Outcome
	switch {
	case (hit != "") == in:
		o = pass(reason, figure, ref, a.ref)
	case in:
		o = fail(reason+", not "+strings.Join(names, " or "), figure, ref, a.ref)
	default:
		o = fail(reason, hit, ref, a.ref)
	}
	o.Roots = a.roots
	return o
}
