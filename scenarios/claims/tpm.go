package claims

import (
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/results"
)

// TPMTrust is the trust configuration every TPM claim shares; each claim's
// parameters embed it inline.
type TPMTrust struct {
	// Roots are PEM/DER files or directories of trusted hardware EK/AK roots
	// (the GCE vTPM roots are always included).
	Roots []string `yaml:"roots"`
	// SoftwareRoots are CAs of software TPMs (swtpm's local CA): chains to
	// them verify but never make hardware.
	SoftwareRoots []string `yaml:"software_roots"`
	// AllowSimulated lets a simulated TPM (simulator, swtpm) satisfy the
	// claim, for demos. It never makes tpm.required{hardware: true} pass.
	AllowSimulated bool `yaml:"allow_simulated"`
}

var rootCache sync.Map // key → *attest.RootStore or error

func (tr TPMTrust) roots() (*attest.RootStore, error) {
	key := strings.Join(tr.Roots, "\x00") + "\x01" + strings.Join(tr.SoftwareRoots, "\x00")
	if v, ok := rootCache.Load(key); ok {
		if err, isErr := v.(error); isErr {
			return nil, err
		}
		return v.(*attest.RootStore), nil
	}
	rs := attest.GCERoots()
	err := rs.Load(false, tr.Roots...)
	if err == nil {
		err = rs.Load(true, tr.SoftwareRoots...)
	}
	if err != nil {
		rootCache.Store(key, err)
		return nil, err
	}
	rootCache.Store(key, rs)
	return rs, nil
}

// tpmPlatform verifies the target's first complete TPM evidence. The quote
// is checked against the recorded verifier nonce and evidence digest; that
// the digest is this report's evidence is checked by verify (TPMBinding).
func tpmPlatform(f Facts, tr TPMTrust) (*attest.Platform, string, *Outcome) {
	var failed *results.Evidence
	for _, e := range f.Of("tpm") {
		if e.Failure != nil || e.TPM == nil {
			failed = e
			continue
		}
		rs, err := tr.roots()
		if err != nil {
			o := Outcome{Status: results.StatusError, Reason: err.Error(), Evidence: []string{e.ID}}
			return nil, e.ID, &o
		}
		p, err := attest.Verify(e.TPM, attest.Options{
			VerifierNonce: e.TPM.Nonce.Verifier, EvidenceDigest: e.TPM.Nonce.EvidenceDigest,
			Roots: rs, AllowUnverifiedEK: true,
		})
		if err != nil {
			o := fail("TPM evidence rejected: "+err.Error(), "rejected", e.ID)
			return nil, e.ID, &o
		}
		return p, e.ID, nil
	}
	if failed != nil {
		o := fail("no TPM evidence: "+failed.Failure.String(), "no TPM", failed.ID)
		return nil, failed.ID, &o
	}
	o := inconclusive("no TPM evidence for " + f.Target)
	return nil, "", &o
}

// simulatedGate fails a claim on a simulated TPM unless the suite allows it.
func simulatedGate(p *attest.Platform, tr TPMTrust, claim, ref string) *Outcome {
	if p.Simulated && !tr.AllowSimulated {
		o := fail(fmt.Sprintf("simulated TPM (%s) cannot satisfy %s; set allow_simulated for a demo", p.Kind, claim), "simulated", ref)
		return &o
	}
	return nil
}

func describe(p *attest.Platform) string {
	s := fmt.Sprintf("%s TPM %s (%s) fw %s", p.Kind, p.Manufacturer.ASCII, p.Manufacturer.Name, p.Firmware)
	if p.Simulated {
		s += ", simulated"
	}
	return s
}

// TPMRequiredParams: tpm.required.
type TPMRequiredParams struct {
	Hardware bool `yaml:"hardware"`
	TPMTrust `yaml:",inline"`
}

var claimTPMRequired = claimKind("tpm.required",
	"The host has a TPM whose quote verifies (AK activated, nonce bound, PCRs); with hardware: true, an EK chain to a hardware root and no simulated or software TPM.",
	"tpm.required: {hardware: true, roots: [/etc/sovbench/ek-roots]}",
	[]string{"tpm"}, nil,
	func(pr TPMRequiredParams, f Facts) Outcome {
		p, ref, miss := tpmPlatform(f, pr.TPMTrust)
		if miss != nil {
			return *miss
		}
		if pr.Hardware {
			if !p.Hardware {
				return fail(describe(p)+" is not hardware: "+p.NotHardware, "not hardware", ref)
			}
			return pass(describe(p)+", EK chain to "+p.EK.Root, "hardware", ref)
		}
		if o := simulatedGate(p, pr.TPMTrust, "tpm.required", ref); o != nil {
			return *o
		}
		fig := "tpm"
		if p.Simulated {
			fig = "simulated"
		}
		return pass(describe(p)+", quote verified", fig, ref)
	})

// TPMManufacturerParams: tpm.manufacturer_in.
type TPMManufacturerParams struct {
	Manufacturers []string `yaml:"manufacturers"`
	TPMTrust      `yaml:",inline"`
}

var claimTPMManufacturerIn = claimKind("tpm.manufacturer_in",
	"The TPM maker (TPM_PT_MANUFACTURER ID like IFX or name like Infineon) is one of these, with the EK chain verified.",
	"tpm.manufacturer_in: {manufacturers: [IFX, NTC, STM], roots: [/etc/sovbench/ek-roots]}",
	[]string{"tpm"},
	func(p TPMManufacturerParams) error { return nonEmptyList("manufacturer")(p.Manufacturers) },
	func(pr TPMManufacturerParams, f Facts) Outcome {
		p, ref, miss := tpmPlatform(f, pr.TPMTrust)
		if miss != nil {
			return *miss
		}
		if o := simulatedGate(p, pr.TPMTrust, "tpm.manufacturer_in", ref); o != nil {
			return *o
		}
		m := p.Manufacturer
		if p.EK == nil {
			return fail(fmt.Sprintf("TPM reports %s but its EK chain is unverified: %s", m.ASCII, p.EKUnverified), m.ASCII, ref)
		}
		match := slices.ContainsFunc(pr.Manufacturers, func(n string) bool {
			return strings.EqualFold(n, m.ASCII) || strings.EqualFold(n, m.Name)
		})
		reason := fmt.Sprintf("TPM reports %s (%s), EK chain to %s", m.ASCII, m.Name, p.EK.Root)
		if match {
			return pass(reason, m.ASCII, ref)
		}
		return fail(reason+", not "+strings.Join(pr.Manufacturers, " or "), m.ASCII, ref)
	})

var claimTPMEKChainValid = claimKind("tpm.ek_chain_valid",
	"The EK certificate chains to a trusted root (critical TPM SAN and EK EKU tolerated); software CAs only with allow_simulated.",
	"tpm.ek_chain_valid: {roots: [/etc/sovbench/ek-roots]}",
	[]string{"tpm"}, nil,
	func(tr TPMTrust, f Facts) Outcome {
		p, ref, miss := tpmPlatform(f, tr)
		if miss != nil {
			return *miss
		}
		if o := simulatedGate(p, tr, "tpm.ek_chain_valid", ref); o != nil {
			return *o
		}
		if p.EK == nil {
			return fail("EK chain not verified: "+p.EKUnverified, "invalid", ref)
		}
		if p.EK.Software && !tr.AllowSimulated {
			return fail("EK chains to a software TPM CA: "+p.EK.Root, "software CA", ref)
		}
		return pass(fmt.Sprintf("EK %s chains to %s (%s)", p.EK.Subject, p.EK.Root, p.EK.RootLabel), p.EK.Organization, ref)
	})

// TPMSecureBootParams: tpm.secure_boot.
type TPMSecureBootParams struct {
	Enabled  bool `yaml:"enabled"`
	TPMTrust `yaml:",inline"`
}

var claimTPMSecureBoot = claimKind("tpm.secure_boot",
	"Secure boot state from the measured-boot log replayed against quoted SHA-256 PCRs.",
	"tpm.secure_boot: {enabled: true}",
	[]string{"tpm"}, nil,
	func(pr TPMSecureBootParams, f Facts) Outcome {
		p, ref, miss := tpmPlatform(f, pr.TPMTrust)
		if miss != nil {
			return *miss
		}
		if o := simulatedGate(p, pr.TPMTrust, "tpm.secure_boot", ref); o != nil {
			return *o
		}
		if p.Boot == nil {
			return inconclusive("no measured-boot event log", ref)
		}
		sb := p.Boot.SecureBoot
		if !sb.Known {
			return inconclusive(fmt.Sprintf("event log (%d events) replays but does not show the secure-boot state: %s", p.Boot.Events, sb.Reason), ref)
		}
		reason := fmt.Sprintf("secure boot %s per %d replayed events", onOff(sb.Enabled), p.Boot.Events)
		if sb.Enabled == pr.Enabled {
			return pass(reason, onOff(sb.Enabled), ref)
		}
		return fail(reason, onOff(sb.Enabled), ref)
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
	return nil
}

var claimTPMPCRPolicy = claimKind("tpm.pcr_policy",
	"The quoted SHA-256 PCRs hold exactly these values.",
	"tpm.pcr_policy: {pcrs: {7: 4c1a...e3}}",
	[]string{"tpm"}, checkPCRPolicy,
	func(pr TPMPCRPolicyParams, f Facts) Outcome {
		p, ref, miss := tpmPlatform(f, pr.TPMTrust)
		if miss != nil {
			return *miss
		}
		if o := simulatedGate(p, pr.TPMTrust, "tpm.pcr_policy", ref); o != nil {
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
			got, ok := p.PCRs[i]
			if !ok || !slices.Equal(got, want) {
				bad = append(bad, fmt.Sprintf("PCR %d is %x", i, got))
			}
		}
		fig := fmt.Sprintf("%d/%d PCRs match", len(idx)-len(bad), len(idx))
		if len(bad) > 0 {
			return fail(strings.Join(bad, "; "), fig, ref)
		}
		return pass(fmt.Sprintf("PCRs %v hold the policy values in a verified quote", idx), fig, ref)
	})

// TPMOperatorParams: tpm.operator_not_in.
type TPMOperatorParams struct {
	Operators []string `yaml:"operators"`
	TPMTrust  `yaml:",inline"`
}

var claimTPMOperatorNotIn = claimKind("tpm.operator_not_in",
	"No verified TPM fact names one of these operators: the EK root's organization (a cloud vTPM's CA) and cloud AK certificates (GCE instance identity, Azure).",
	"tpm.operator_not_in: {operators: [Google, Microsoft, Amazon]}",
	[]string{"tpm"},
	func(p TPMOperatorParams) error { return nonEmptyList("operator")(p.Operators) },
	func(pr TPMOperatorParams, f Facts) Outcome {
		p, ref, miss := tpmPlatform(f, pr.TPMTrust)
		if miss != nil {
			return *miss
		}
		if o := simulatedGate(p, pr.TPMTrust, "tpm.operator_not_in", ref); o != nil {
			return *o
		}
		var facts []string
		for _, of := range p.Operators {
			if !of.Verified {
				continue
			}
			facts = append(facts, of.Operator)
			if hit := matchAny(pr.Operators, of.Operator, of.Subject); hit != "" {
				return fail(fmt.Sprintf("%s AK certificate names %s (zone %s, project %s, bound to quote: %v)", of.Source, hit, of.Zone, of.Project, of.Bound), hit, ref)
			}
		}
		if p.EK == nil {
			return inconclusive("EK chain not verified, so its issuer names no operator: "+p.EKUnverified, ref)
		}
		facts = append(facts, p.EK.Organization)
		if hit := matchAny(pr.Operators, p.EK.Organization, p.EK.Root, p.EK.Issuer); hit != "" {
			return fail(fmt.Sprintf("EK chains to %s (%s)", p.EK.Root, hit), hit, ref)
		}
		return pass(fmt.Sprintf("verified TPM facts name %s, none of %s", strings.Join(facts, ", "), strings.Join(pr.Operators, ", ")), p.EK.Organization, ref)
	})

// matchAny returns the first name contained (case-insensitively) in one of
// the values.
func matchAny(names []string, values ...string) string {
	for _, n := range names {
		for _, v := range values {
			if n != "" && strings.Contains(strings.ToLower(v), strings.ToLower(n)) {
				return n
			}
		}
	}
	return ""
}
