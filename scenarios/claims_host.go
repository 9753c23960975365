package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/results"
)

// hostEvidence returns the first complete host-identity evidence of f.
func hostEvidence(f Facts) (*results.HostDetails, string, *Outcome) {
	for _, e := range f.Of("host") {
		if e.Host != nil && e.Failure == nil {
			return e.Host, e.ID, nil
		}
	}
	o := inconclusive("no complete host-identity evidence for " + f.Target)
	return nil, "", &o
}

func nonEmpty(names []string) error {
	if len(names) == 0 {
		return fmt.Errorf("needs at least one operator")
	}
	return nil
}

var claimOperatorNotIn = claimKind("operator.not_in",
	"The operator the host-identity signals point to is none of these.",
	"operator.not_in: [Amazon, Google, Microsoft]",
	[]string{"host"}, nonEmpty,
	func(names []string, f Facts) Outcome {
		h, ref, miss := hostEvidence(f)
		if miss != nil {
			return *miss
		}
		op := h.Operator
		if slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, op.Name) }) {
			return fail(fmt.Sprintf("signals point to %s (%s confidence: %s)", op.Name, op.Confidence, strings.Join(op.Rules, "; ")), op.Name, ref)
		}
		if op.Name == "" || op.Name == "unknown" {
			return inconclusive("no rule names the operator; the signals are claimed values", ref)
		}
		return pass(fmt.Sprintf("signals point to %s (claimed, %s confidence)", op.Name, op.Confidence), op.Name, ref)
	})

var claimOperatorIn = claimKind("operator.in",
	"The operator the host-identity signals point to is one of these.",
	"operator.in: [OVHcloud, Scaleway]",
	[]string{"host"}, nonEmpty,
	func(names []string, f Facts) Outcome {
		h, ref, miss := hostEvidence(f)
		if miss != nil {
			return *miss
		}
		op := h.Operator
		if slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, op.Name) }) {
			return pass(fmt.Sprintf("signals point to %s (claimed, %s confidence)", op.Name, op.Confidence), op.Name, ref)
		}
		if op.Name == "" || op.Name == "unknown" {
			return inconclusive("no rule names the operator", ref)
		}
		return fail(fmt.Sprintf("signals point to %s, not %s", op.Name, strings.Join(names, " or ")), op.Name, ref)
	})

var claimHypervisorPresent = claimKind("hypervisor.present",
	"Whether the host runs under a hypervisor (CPUID, /sys/hypervisor, DMI).",
	"hypervisor.present: false",
	[]string{"host"}, nil,
	func(want bool, f Facts) Outcome {
		h, ref, miss := hostEvidence(f)
		if miss != nil {
			return *miss
		}
		hv := h.Hypervisor
		got := "no hypervisor"
		if hv.Present {
			got = "hypervisor " + hv.Vendor
			if hv.Signature != "" {
				got += fmt.Sprintf(" (signature %q)", hv.Signature)
			}
		}
		reason := fmt.Sprintf("%s, from %s", got, hv.Source)
		if hv.Present == want {
			return pass(reason, fmt.Sprint(hv.Present), ref)
		}
		return fail(reason, fmt.Sprint(hv.Present), ref)
	})
