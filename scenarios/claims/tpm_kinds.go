package claims

import (
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/sovbench/sovbench/attest"
)

// TPMRequiredParams: tpm.required.
type TPMRequiredParams struct {
	Hardware bool `yaml:"hardware"`
	TPMTrust `yaml:",inline"`
}

var claimTPMRequired = claimKind("tpm.required",
	"The host has a TPM whose quote verifies (AK certified by the TPM, activation recorded, nonce bound, PCRs, firmware and clock as signed). hardware: true needs an EK chain to a TPM maker's root (embedded bundle or --tpm-roots DIR/maker) and, by default, the AK↔EK binding confirmed by a challenging verifier that signs the report; without hardware, a software or unendorsed TPM passes only with allow_simulated.",
	"tpm.required: {hardware: true}",
	[]string{"tpm"}, func(p TPMRequiredParams) error { return p.check() },
	func(pr TPMRequiredParams, f Facts) Outcome {
		v, miss := tpmJudge(f, pr.TPMTrust)
		if miss != nil {
			return *miss
		}
		if pr.Hardware {
			return v.hardware()
		}
		if o := v.requireReal(pr.TPMTrust, "tpm.required"); o != nil {
			return *o
		}
		allowed := ""
		if v.class == attest.ClassSoftware || v.class == attest.ClassUnendorsed {
			allowed = "; allowed by allow_simulated"
		}
		return v.out(pass(fmt.Sprintf("%s TPM, %s; %s; %s%s%s", v.class, v.quoteWord(), v.what, v.binding, allowed, v.continuity()), string(v.class), v.ref))
	})

// hardware judges tpm.required{hardware: true}: only a maker's endorsement,
// with the binding confirmed as the policy says, passes.
func (v *tpmView) hardware() Outcome {
	switch v.class {
	case attest.ClassHardware:
		if v.bindingErr != "" {
			return v.out(inconclusive(v.what+"; "+v.bindingErr, v.ref))
		}
		return v.out(pass(fmt.Sprintf("hardware TPM: %s; %s; %s%s", v.what, v.binding, v.quoteWord(), v.continuity()), "hardware", v.ref))
	case attest.ClassUnendorsed:
		return v.out(inconclusive("nothing shows a hardware TPM: "+v.what+"; "+v.selfReport()+"; a maker's CA missing from the bundle can be added with --tpm-roots DIR/maker", v.ref))
	}
	return v.out(fail(fmt.Sprintf("%s TPM, not hardware: %s; %s", v.class, v.what, v.selfReport()), "not hardware", v.ref))
}

// TPMManufacturerParams: tpm.manufacturer_in.
type TPMManufacturerParams struct {
	Manufacturers []string `yaml:"manufacturers"`
	TPMTrust      `yaml:",inline"`
}

var claimTPMManufacturerIn = claimKind("tpm.manufacturer_in",
	"The TPM's maker, as its EK chain says (the root's vendor: TCG ID like IFX or a name like Infineon), is one of these; what the TPM says about itself is shown, never used. Needs the AK↔EK binding confirmed by a challenging verifier unless activation: local.",
	"tpm.manufacturer_in: {manufacturers: [IFX, NTC, STM]}",
	[]string{"tpm"},
	func(p TPMManufacturerParams) error {
		if err := nonEmptyList("manufacturer")(p.Manufacturers); err != nil {
			return err
		}
		return p.check()
	},
	func(pr TPMManufacturerParams, f Facts) Outcome {
		v, miss := tpmJudge(f, pr.TPMTrust)
		if miss != nil {
			return *miss
		}
		switch v.class {
		case attest.ClassSoftware:
			return v.out(fail("software TPM, no maker: "+v.what+"; "+v.selfReport(), "software", v.ref))
		case attest.ClassUnendorsed:
			return v.out(inconclusive("no maker vouches for the EK: "+v.what+"; "+v.selfReport(), v.ref))
		}
		r := v.chain.Root
		match := slices.ContainsFunc(pr.Manufacturers, func(n string) bool {
			return strings.EqualFold(n, r.VendorID) || strings.EqualFold(n, r.Vendor)
		})
		reason := fmt.Sprintf("%s; %s; %s", v.what, v.binding, v.selfReport())
		switch {
		case !match:
			return v.out(fail(reason+"; not "+strings.Join(pr.Manufacturers, " or "), r.Vendor, v.ref))
		case v.bindingErr != "":
			return v.out(inconclusive(v.what+"; "+v.bindingErr, v.ref))
		}
		return v.out(pass(reason, r.Vendor, v.ref))
	})

var claimTPMEKChainValid = claimKind("tpm.ek_chain_valid",
	"The EK certificate chains to a trusted anchor (embedded bundle or --tpm-roots; critical TPM SAN and EK EKU tolerated), with the AK↔EK binding confirmed by a challenging verifier unless activation: local; a software TPM's CA counts only with allow_simulated.",
	"tpm.ek_chain_valid: {exclude_roots: [sha256:…]}",
	[]string{"tpm"}, func(p TPMTrust) error { return p.check() },
	func(tr TPMTrust, f Facts) Outcome {
		v, miss := tpmJudge(f, tr)
		if miss != nil {
			return *miss
		}
		switch {
		case v.chain == nil:
			why := v.what
			if e := v.p.Endorsement; e != nil && e.Unverified != "" {
				why = e.Unverified
			}
			return v.out(fail("EK chain not verified: "+why, "invalid", v.ref))
		case v.chain.Root.Kind == attest.RootSoftware && !tr.AllowSimulated:
			return v.out(fail("EK chains to a software TPM CA "+v.chain.Describe()+"; set allow_simulated for a demo", "software CA", v.ref))
		case v.bindingErr != "":
			return v.out(inconclusive("EK chains to "+v.chain.Describe()+"; "+v.bindingErr, v.ref))
		}
		return v.out(pass(fmt.Sprintf("EK chains to %s anchor %s; %s", v.chain.Root.Kind, v.chain.Describe(), v.binding), v.chain.Root.Vendor, v.ref))
	})

// TPMSecureBootParams: tpm.secure_boot.
type TPMSecureBootParams struct {
	Enabled  bool `yaml:"enabled"`
	TPMTrust `yaml:",inline"`
}

var claimTPMSecureBoot = claimKind("tpm.secure_boot",
	"Secure boot state from the measured-boot log replayed against quoted SHA-256 PCRs (the firmware's measurements, signed by the TPM); needs a real TPM unless allow_simulated.",
	"tpm.secure_boot: {enabled: true}",
	[]string{"tpm"}, func(p TPMSecureBootParams) error { return p.check() },
	func(pr TPMSecureBootParams, f Facts) Outcome {
		v, miss := tpmJudge(f, pr.TPMTrust)
		if miss != nil {
			return *miss
		}
		if o := v.requireReal(pr.TPMTrust, "tpm.secure_boot"); o != nil {
			return *o
		}
		if v.p.Boot == nil {
			return v.out(inconclusive("no measured-boot event log", v.ref))
		}
		sb := v.p.Boot.SecureBoot()
		if !sb.Known {
			return v.out(inconclusive(fmt.Sprintf("event log (%d events) replays but does not show the secure-boot state: %s", v.p.Boot.Events, sb.Reason), v.ref))
		}
		reason := fmt.Sprintf("secure boot %s per %d replayed events (the firmware's measurements in a %s; %s)", onOff(sb.Enabled), v.p.Boot.Events, v.quoteWord(), v.class)
		if sb.Enabled == pr.Enabled {
			return v.out(pass(reason, onOff(sb.Enabled), v.ref))
		}
		return v.out(fail(reason, onOff(sb.Enabled), v.ref))
	})

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// TPMPCRPolicyParams: tpm.pcr_policy. PCRs maps a SHA-256 PCR index to the
// hex value it must hold.
type TPMPCRPolicyParams struct {
	PCRs     map[int]string `yaml:"pcrs"`
	TPMTrust `yaml:",inline"`
}

func checkPCRPolicy(p TPMPCRPolicyParams) error {
	if len(p.PCRs) == 0 {
		return fmt.Errorf("needs at least one PCR")
	}
	for i, v := range p.PCRs {
		if i < 0 || i > 23 {
			return fmt.Errorf("pcrs: index %d is not 0-23", i)
		}
		if b, err := hex.DecodeString(v); err != nil || len(b) != 32 {
			return fmt.Errorf("pcrs: %d: %q is not 64 hex digits (SHA-256)", i, v)
		}
	}
	return p.check()
}

var claimTPMPCRPolicy = claimKind("tpm.pcr_policy",
	"The quoted SHA-256 PCRs hold exactly these values; needs a real TPM unless allow_simulated.",
	"tpm.pcr_policy: {pcrs: {7: 4c1a...e3}}",
	[]string{"tpm"}, checkPCRPolicy,
	func(pr TPMPCRPolicyParams, f Facts) Outcome {
		v, miss := tpmJudge(f, pr.TPMTrust)
		if miss != nil {
			return *miss
		}
		if o := v.requireReal(pr.TPMTrust, "tpm.pcr_policy"); o != nil {
			return *o
		}
		idx := make([]int, 0, len(pr.PCRs))
		for i := range pr.PCRs {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		var bad []string
		for _, i := range idx {
			want, _ := hex.DecodeString(pr.PCRs[i])
			var got []byte // nil: the quote does not cover PCR i
			if q, ok := v.p.PCRs.Get(i); ok {
				got = q[:]
			}
			if !slices.Equal(got, want) {
				bad = append(bad, fmt.Sprintf("PCR %d is %x", i, got))
			}
		}
		fig := fmt.Sprintf("%d/%d PCRs match", len(idx)-len(bad), len(idx))
		if len(bad) > 0 {
			return v.out(fail(strings.Join(bad, "; "), fig, v.ref))
		}
		return v.out(pass(fmt.Sprintf("PCRs %v hold the policy values in a %s (%s)", idx, v.quoteWord(), v.class), fig, v.ref))
	})
