package claims

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/probes"
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
		return fmt.Errorf("needs at least one name")
	}
	return nil
}

func knownFlavors(names []string) error {
	if err := nonEmpty(names); err != nil {
		return err
	}
	for _, n := range names {
		if !slices.Contains(probes.IMDSFlavors(), n) {
			return fmt.Errorf("unknown metadata flavour %q (known: %s)", n, strings.Join(probes.IMDSFlavors(), ", "))
		}
	}
	return nil
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(n string) bool { return strings.EqualFold(n, s) })
}

// operatorReason says which operator the rules name and on what signals.
func operatorReason(op results.OperatorGuess) string {
	var hits []string
	for _, h := range op.Rules {
		if h.Operator == op.Name || (op.Name == probes.OpOVH && h.Operator == probes.OpOpenStack) {
			hits = append(hits, fmt.Sprintf("%s=%q", h.Rule, h.Value))
		}
	}
	s := fmt.Sprintf("claimed signals point to %s (%s confidence", op.Name, op.Confidence)
	if len(hits) > 0 {
		s += ": " + strings.Join(hits, ", ")
	}
	return s + ")"
}

// operatorOutcome judges operator.in (in) or operator.not_in. The host's
// signals fail the claim when they name an operator it excludes (the
// provider's own admission); otherwise only an operator that verified TPM
// facts name decides, and claimed signals alone are inconclusive.
func operatorOutcome(names []string, f Facts, in bool) Outcome {
	h, ref, miss := hostEvidence(f)
	if miss != nil {
		return *miss
	}
	op := h.Operator
	listed := containsFold(names, op.Name)
	decided := op.Name != "" && op.Name != probes.OpUnknown
	switch {
	case decided && in && !listed:
		return fail(operatorReason(op)+", not "+strings.Join(names, " or "), op.Name, ref)
	case decided && !in && listed:
		return fail(operatorReason(op), op.Name, ref)
	}
	claimed := "no operator rule decides on the host-identity signals"
	if decided {
		claimed = operatorReason(op)
	}
	if a := attestedOperatorOf(f); a != nil {
		return a.judge(names, in, claimed, ref)
	}
	if !decided {
		return inconclusive(claimed+"; they are claimed values, and no verified TPM fact names the operator", ref)
	}
	return claimedOnly(claimed, op.Name, ref)
}

var claimOperatorNotIn = claimKind("operator.not_in",
	"The operator is none of these. Host-identity signals naming a listed operator fail it; a pass needs a verified TPM fact naming another operator (a cloud vTPM's EK chain or AK certificate, the binding confirmed by a challenging verifier); claimed signals alone are inconclusive.",
	"operator.not_in: [Amazon, Google, Microsoft]",
	[]string{"host"}, nonEmpty,
	func(names []string, f Facts) Outcome { return operatorOutcome(names, f, false) })

var claimOperatorIn = claimKind("operator.in",
	"The operator is one of these. Host-identity signals naming another operator fail it; a pass needs a verified TPM fact naming a listed operator (a cloud vTPM's EK chain or AK certificate, the binding confirmed by a challenging verifier); claimed signals alone are inconclusive.",
	"operator.in: [OVHcloud, Scaleway]",
	[]string{"host"}, nonEmpty,
	func(names []string, f Facts) Outcome { return operatorOutcome(names, f, true) })

var claimHypervisorPresent = claimKind("hypervisor.present",
	"Whether the host runs under a hypervisor (CPUID, /proc/cpuinfo, /sys/hypervisor). A hypervisor seen passes true and fails false; none seen fails true and is inconclusive for false, since a hypervisor can hide itself.",
	"hypervisor.present: false",
	[]string{"host"}, nil,
	func(want bool, f Facts) Outcome {
		h, ref, miss := hostEvidence(f)
		if miss != nil {
			return *miss
		}
		hv := h.Hypervisor
		if hv.Source == "" {
			return inconclusive("no hypervisor signal could be read", ref)
		}
		got := "no hypervisor"
		if hv.Present {
			got = "hypervisor " + hv.Vendor
			if hv.Signature != "" {
				got += fmt.Sprintf(" (CPUID signature %q)", hv.Signature)
			}
		}
		reason := fmt.Sprintf("%s, claimed by %s", got, hv.Source)
		figure := "none" // the table shows whose hypervisor, not just whether
		if hv.Present {
			figure = hv.Vendor
		}
		switch {
		case hv.Present != want:
			return fail(reason, figure, ref)
		case !hv.Present:
			// A hypervisor can clear the CPUID bit and hide its signature.
			return claimedOnly(reason, figure, ref)
		}
		return pass(reason, figure, ref)
	})

var claimHypervisorVendorNotIn = claimKind("hypervisor.vendor_not_in",
	"The hypervisor, if any, is none of these (kvm, microsoft, vmware, xen, ... or a CPUID signature). A listed one fails it; another or none is inconclusive, since a hypervisor chooses the signature it shows.",
	"hypervisor.vendor_not_in: [microsoft, vmware]",
	[]string{"host"}, nonEmpty,
	func(names []string, f Facts) Outcome {
		h, ref, miss := hostEvidence(f)
		if miss != nil {
			return *miss
		}
		hv := h.Hypervisor
		switch {
		case hv.Source == "":
			return inconclusive("no hypervisor signal could be read", ref)
		case !hv.Present:
			return claimedOnly("no hypervisor, claimed by "+hv.Source, "none", ref)
		}
		reason := fmt.Sprintf("hypervisor %s (CPUID signature %q), claimed by %s", hv.Vendor, hv.Signature, hv.Source)
		if containsFold(names, hv.Vendor) || (hv.Signature != "" && containsFold(names, hv.Signature)) {
			return fail(reason, hv.Vendor, ref)
		}
		if hv.Vendor == "unknown" {
			return inconclusive(reason+"; the vendor is not recognised", ref)
		}
		return claimedOnly(reason, hv.Vendor, ref)
	})

// dmiVendorFields are the DMI strings host.dmi_vendor_not_in looks at.
var dmiVendorFields = []string{"sys_vendor", "board_vendor", "bios_vendor", "chassis_vendor", "product_name"}

var claimDMIVendorNotIn = claimKind("host.dmi_vendor_not_in",
	"No DMI vendor string (system, board, BIOS, chassis, product name) contains any of these, case-insensitively. A match fails it; no match is inconclusive, since whoever runs the firmware or hypervisor writes these strings.",
	"host.dmi_vendor_not_in: [Amazon, Google, Microsoft]",
	[]string{"host"}, nonEmpty,
	func(names []string, f Facts) Outcome {
		h, ref, miss := hostEvidence(f)
		if miss != nil {
			return *miss
		}
		var seen []string
		for _, field := range dmiVendorFields {
			c, ok := h.DMIValue(field)
			if !ok || c.Value == "" {
				continue
			}
			for _, n := range names {
				if strings.Contains(strings.ToLower(c.Value), strings.ToLower(n)) {
					return fail(fmt.Sprintf("DMI %s %q (claimed, %s) names %s", field, c.Value, c.Source, n), c.Value, ref)
				}
			}
			seen = append(seen, fmt.Sprintf("%s=%q", field, c.Value))
		}
		if len(seen) == 0 {
			return inconclusive("no DMI vendor string could be read", ref)
		}
		return claimedOnly("claimed DMI strings name none of them: "+strings.Join(seen, ", "), seen[0], ref)
	})

var claimMetadataServiceNotIn = claimKind("metadata.service_not_in",
	"None of these instance-metadata services answers (needs the host probe with metadata: true). An answer fails it; silence is inconclusive, since the provider can block or move its metadata service.",
	"metadata.service_not_in: [aws, gce, azure]",
	[]string{"host"}, knownFlavors,
	func(names []string, f Facts) Outcome {
		h, ref, miss := hostEvidence(f)
		if miss != nil {
			return *miss
		}
		if !h.MetadataQueried {
			return inconclusive("metadata services were not asked (host probe metadata: false)", ref)
		}
		var asked, where []string
		for _, a := range h.Metadata {
			if !slices.Contains(names, a.Flavor) {
				continue
			}
			asked = append(asked, a.Flavor)
			if u, err := url.Parse(a.URL); err == nil && !slices.Contains(where, u.Host) {
				where = append(where, u.Host)
			}
			if a.Answered {
				mode := ""
				if a.Mode != "" {
					mode = " (" + a.Mode + ")"
				}
				return fail(fmt.Sprintf("%s metadata service answered%s at %s; its answer is claimed", a.Flavor, mode, a.URL), a.Flavor, ref)
			}
		}
		if len(asked) == 0 {
			return inconclusive("none of "+strings.Join(names, ", ")+" was asked (metadata_flavors)", ref)
		}
		// Silence proves only that nothing answered where the probe asked:
		// the provider can block or move its metadata service.
		return claimedOnly("no answer from "+strings.Join(asked, ", ")+" metadata services at "+strings.Join(where, ", ")+" (silence)", "none", ref)
	})
