package claims

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/attest/swtpm/swtpmtest"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/probes/tpm"
	"github.com/sovbench/sovbench/results"
)

// tpmFacts runs the real tpm probe with the given YAML parameters.
func tpmFacts(t *testing.T, params string) Facts {
	t.Helper()
	pp, err := probes.DecodeParams(probes.TPMName, func(v any) error {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(params), &n); err != nil {
			return err
		}
		return n.Content[0].Decode(v)
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := tpm.New(*pp.(*probes.TPMParams))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := p.Run(context.Background(), probes.Target{Name: "t", Kind: "local"})
	if err != nil {
		t.Fatal(err)
	}
	ev.ID = "t/tpm"
	return Facts{Target: "t", Evidence: []results.Evidence{ev}}
}

func TestTPMClaims(t *testing.T) {
	sim := tpmFacts(t, "tpm: simulator\nboot_profile: secure-boot-on\n")
	inst := swtpmtest.Start(t)
	sw := tpmFacts(t, "tpm: "+inst.Spec()+"\nboot_profile: secure-boot-off\n")
	none := tpmFacts(t, "tpm: /nonexistent/tpmrm9\n")
	ca := "software_roots: [" + inst.CACert + ", " + inst.IssuerCert + "]"
	var pcr7 string
	for _, p := range sim.Evidence[0].TPM.PCRs {
		if p.Index == 7 {
			pcr7 = hex.EncodeToString(p.Digest)
		}
	}
	cases := []struct {
		name   string
		kind   Kind
		param  string
		facts  Facts
		want   results.Status
		reason string
	}{
		{"a simulator fails tpm.required unless simulated is allowed", claimTPMRequired, "{}", sim, results.StatusFail, "simulated TPM (simulator) cannot satisfy"},
		{"a simulator passes tpm.required when simulated is allowed", claimTPMRequired, "{allow_simulated: true}", sim, results.StatusPass, "quote verified"},
		{"a simulator never passes tpm.required hardware", claimTPMRequired, "{hardware: true, allow_simulated: true}", sim, results.StatusFail, "is not hardware"},
		{"swtpm never passes tpm.required hardware, even with its CA", claimTPMRequired, "{hardware: true, allow_simulated: true, " + ca + "}", sw, results.StatusFail, "is not hardware"},
		{"a host without a TPM fails tpm.required", claimTPMRequired, "{}", none, results.StatusFail, "no TPM evidence: open: not_found"},
		{"no TPM evidence at all is inconclusive", claimTPMRequired, "{}", Facts{Target: "t"}, results.StatusInconclusive, "no TPM evidence"},
		{"swtpm's EK chain to its local CA passes when simulated is allowed", claimTPMEKChainValid, "{allow_simulated: true, " + ca + "}", sw, results.StatusPass, "chains to CN=swtpm-localca-rootca"},
		{"swtpm's EK chain fails without its CA", claimTPMEKChainValid, "{allow_simulated: true}", sw, results.StatusFail, "does not chain to a trusted root"},
		{"swtpm's EK chain fails when simulated is not allowed", claimTPMEKChainValid, "{" + ca + "}", sw, results.StatusFail, "cannot satisfy tpm.ek_chain_valid"},
		{"the simulator has no EK certificate", claimTPMEKChainValid, "{allow_simulated: true}", sim, results.StatusFail, "no EK certificate"},
		{"swtpm reports IBM", claimTPMManufacturerIn, "{manufacturers: [IBM], allow_simulated: true, " + ca + "}", sw, results.StatusPass, "TPM reports IBM"},
		{"swtpm is not Infineon", claimTPMManufacturerIn, "{manufacturers: [IFX, Nuvoton Technology], allow_simulated: true, " + ca + "}", sw, results.StatusFail, "not IFX or Nuvoton Technology"},
		{"a maker without a verified EK chain fails", claimTPMManufacturerIn, "{manufacturers: [MSFT], allow_simulated: true}", sim, results.StatusFail, "EK chain is unverified"},
		{"secure boot on is read from the replayed log", claimTPMSecureBoot, "{enabled: true, allow_simulated: true}", sim, results.StatusPass, "secure boot on per 15 replayed events"},
		{"secure boot off fails a secure-boot claim", claimTPMSecureBoot, "{enabled: true, allow_simulated: true, " + ca + "}", sw, results.StatusFail, "secure boot off"},
		{"the quoted PCR 7 matches its policy", claimTPMPCRPolicy, "{pcrs: {7: " + pcr7 + "}, allow_simulated: true}", sim, results.StatusPass, "PCRs [7] hold the policy values"},
		{"a different PCR 7 fails the policy", claimTPMPCRPolicy, "{pcrs: {7: " + strings.Repeat("00", 32) + "}, allow_simulated: true}", sim, results.StatusFail, "PCR 7 is " + pcr7},
		{"swtpm's CA names no hyperscaler", claimTPMOperatorNotIn, "{operators: [Google, Microsoft], allow_simulated: true, " + ca + "}", sw, results.StatusPass, "none of Google, Microsoft"},
		{"an operator named by the EK root fails", claimTPMOperatorNotIn, "{operators: [swtpm], allow_simulated: true, " + ca + "}", sw, results.StatusFail, "EK chains to CN=swtpm-localca-rootca"},
		{"an unverified EK names no operator", claimTPMOperatorNotIn, "{operators: [Google], allow_simulated: true}", sim, results.StatusInconclusive, "EK chain not verified"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var n yaml.Node
			if err := yaml.Unmarshal([]byte(c.param), &n); err != nil {
				t.Fatal(err)
			}
			eval, err := c.kind.parse(n.Content[0].Decode)
			if err != nil {
				t.Fatal(err)
			}
			o := eval(c.facts)
			if o.Status != c.want || !strings.Contains(o.Reason, c.reason) {
				t.Errorf("%s: %s (%s), want %s containing %q", c.kind.Name, o.Status, o.Reason, c.want, c.reason)
			}
		})
	}
}
