package claims

import (
	"fmt"
	"slices"
	"strings"
)

// TEEEndorsedParams: tee.endorsed_by.
type TEEEndorsedParams struct {
	// Signers are the accepted signing keys: vcek (the chip's own key: AMD
	// vouches for one chip), vlek (a key AMD issued to a cloud provider:
	// AMD and that provider vouch), pck (Intel TDX).
	Signers []string `yaml:"signers"`
	// CSPIDs, if set, are the cloud providers a VLEK may name.
	CSPIDs []string `yaml:"csp_ids"`
	// ChipIDs, if set, are the chips (hex HWID, or a prefix of at least 16
	// hex digits) a VCEK may name.
	ChipIDs  []string `yaml:"chip_ids"`
	TEETrust `yaml:",inline"`
}

func checkEndorsed(p TEEEndorsedParams) error {
	if err := checkTestRoots(p.TestRoots); err != nil {
		return err
	}
	if len(p.Signers) == 0 {
		return fmt.Errorf("needs at least one signer (vcek, vlek, pck)")
	}
	for _, s := range p.Signers {
		if s != "vcek" && s != "vlek" && s != "pck" {
			return fmt.Errorf("signer %q is not vcek, vlek or pck", s)
		}
	}
	for _, c := range p.ChipIDs {
		if len(c) < 16 {
			return fmt.Errorf("chip_ids: %q is shorter than 16 hex digits", c)
		}
	}
	return nil
}

var claimTEEEndorsedBy = claimKind("tee.endorsed_by",
	"Whose word the confidential VM's report rests on: the chip's own VCEK (AMD for one chip), a cloud's VLEK (AMD and that CSP_ID) or Intel's PCK; optionally which chips or which clouds.",
	"tee.endorsed_by: {signers: [vcek], chip_ids: [3a4f...]}",
	[]string{"tee"}, checkEndorsed,
	func(pr TEEEndorsedParams, f Facts) Outcome {
		p, ref, miss := teeGate(f, pr.TEETrust, "tee.endorsed_by")
		if miss != nil {
			return *miss
		}
		signer := strings.ToLower(p.Signer)
		fig := p.Signer
		if p.CSPID != "" {
			fig += " " + p.CSPID
		}
		fig = teeFigure(p, fig)
		reason := "signed by " + p.Word()
		if !slices.Contains(pr.Signers, signer) {
			why := fmt.Sprintf("%s where %s is required (signer)", p.Signer, strings.ToUpper(strings.Join(pr.Signers, " or ")))
			if signer == "vlek" {
				why += ": cloud provider " + p.CSPID + " vouches alongside AMD, not the chip alone"
			}
			return fail(reason+"; "+why, fig, ref)
		}
		if signer == "vlek" && len(pr.CSPIDs) > 0 && !slices.ContainsFunc(pr.CSPIDs, func(c string) bool { return strings.EqualFold(c, p.CSPID) }) {
			return fail(fmt.Sprintf("%s; CSP_ID %q is none of %s (csp_id)", reason, p.CSPID, strings.Join(pr.CSPIDs, ", ")), fig, ref)
		}
		if signer == "vcek" && len(pr.ChipIDs) > 0 && !slices.ContainsFunc(pr.ChipIDs, func(c string) bool { return strings.HasPrefix(p.ChipID, strings.ToLower(c)) }) {
			return fail(fmt.Sprintf("%s; chip %s is none of the %d expected (chip)", reason, p.ChipID, len(pr.ChipIDs)), fig, ref)
		}
		return pass(reason, fig, ref)
	})
