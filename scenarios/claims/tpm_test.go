package claims

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/attest/collect"
	"github.com/sovbench/sovbench/attest/collect/collecttest"
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

// in returns the facts evaluated in ctx.
func in(f Facts, ctx Context) Facts {
	f.env = newEnv(ctx)
	return f
}

// relabelled is a swtpm record that says it came from a device: what a
// provider gets by putting swtpm behind a PTY or editing the record.
func relabelled(f Facts) Facts {
	ev := f.Evidence[0]
	d := *ev.TPM
	d.EKs = append([]results.TPMEK(nil), d.EKs...)
	d.Kind, d.Source, d.Simulated = collect.KindDevice, "/dev/tpmrm0", false
	d.Manufacturer = attest.Manufacturer(0x49465800) // "IFX"
	d.VendorInfo = "SLB9670"
	ev.TPM = &d
	return Facts{Target: f.Target, Evidence: []results.Evidence{ev}}
}

// flipSecureBoot is f with the SecureBoot variable's data in the event log
// set to on (or off) in place, its measured digest kept: the PCRs replay,
// the data no longer hashes to its digest.
func flipSecureBoot(t *testing.T, f Facts, on bool) Facts {
	t.Helper()
	from, to := collect.BootProfile("", !on, nil)[1].Data, collect.BootProfile("", on, nil)[1].Data
	ev := f.Evidence[0]
	d := *ev.TPM
	i := bytes.Index(d.EventLog, from)
	if i < 0 || len(from) != len(to) {
		t.Fatal("no SecureBoot variable to flip in the event log")
	}
	d.EventLog = bytes.Clone(d.EventLog)
	copy(d.EventLog[i:], to)
	ev.TPM = &d
	return Facts{Target: f.Target, Evidence: []results.Evidence{ev}}
}

const signer = "5e1f0000000000000000000000000000000000000000000000000000000000aa"

func TestTPMClaims(t *testing.T) {
	sim := tpmFacts(t, "tpm: simulator\nboot_profile: secure-boot-on\n")
	inst := swtpmtest.Start(t)
	sw := tpmFacts(t, "tpm: "+inst.Spec()+"\nboot_profile: secure-boot-off\n")
	none := tpmFacts(t, "tpm: /nonexistent/tpmrm9\n")
	swCA := in(sw, Context{TPMRoots: collecttest.SwtpmRoots(t, inst)})
	fake := relabelled(sw)

	// A chain to a maker's root, made in the test under Infineon's name and
	// given as --tpm-roots DIR/maker, on a second swtpm challenged by a
	// verifier whose key signs the report.
	maker := collecttest.NewCA(t, collecttest.InfineonRoot)
	roots := attest.BundledRoots()
	if err := roots.LoadDir(maker.WriteRoots(t, "maker", "infineon-test")); err != nil {
		t.Fatal(err)
	}
	hw := collecttest.Remote(t, swtpmtest.Start(t).Spec(), collecttest.Request(t, "remote"), signer, func(ek *results.TPMEK) { maker.EndorseEK(t, ek) })
	hw.Kind, hw.Simulated = collect.KindDevice, false // the collector's words do not matter
	hwFacts := Facts{Target: "t", Evidence: []results.Evidence{{ID: "t/tpm", Probe: "tpm", Target: "t", TPM: hw}}}
	local := relabelled(sw)
	maker.EndorseEK(t, &local.Evidence[0].TPM.EKs[0])

	var pcr7 string
	for _, p := range sim.Evidence[0].TPM.PCRs {
		if p.Index == 7 {
			pcr7 = hex.EncodeToString(p.Digest)
		}
	}
	cases := []claimCase{
		{"a simulator fails tpm.required unless simulated is allowed", claimTPMRequired, "{}", sim, results.StatusFail, "software TPM cannot satisfy tpm.required (the collector recorded a simulated TPM (simulator))"},
		{"a simulator passes tpm.required when simulated is allowed", claimTPMRequired, "{allow_simulated: true}", sim, results.StatusPass, "software TPM, quote signed by the AK over the harness's nonce"},
		{"a simulator never passes tpm.required hardware", claimTPMRequired, "{hardware: true, allow_simulated: true}", sim, results.StatusFail, "software TPM, not hardware"},
		{"swtpm never passes tpm.required hardware, even with its CA", claimTPMRequired, "{hardware: true, allow_simulated: true}", swCA, results.StatusFail, "software TPM, not hardware"},
		{"a swtpm relabelled as an Infineon device is not hardware", claimTPMRequired, "{hardware: true}", fake, results.StatusInconclusive, "nothing shows a hardware TPM: nobody endorses the EK"},
		{"a swtpm relabelled as a device does not pass as a real TPM", claimTPMRequired, "{}", fake, results.StatusInconclusive, "nothing shows a real TPM"},
		{"a relabelled swtpm whose CA the verifier holds is software", claimTPMRequired, "{}", in(fake, Context{TPMRoots: collecttest.SwtpmRoots(t, inst)}), results.StatusFail, "software TPM cannot satisfy"},
		{"a host without a TPM fails tpm.required", claimTPMRequired, "{}", none, results.StatusFail, "no TPM evidence: open: not_found"},
		{"no TPM evidence at all is inconclusive", claimTPMRequired, "{}", Facts{Target: "t"}, results.StatusInconclusive, "no TPM evidence"},
		// Hardware: a maker's chain and a confirmed binding.
		{"a maker's chain with the signer's verifier activation passes hardware", claimTPMRequired, "{hardware: true}", in(hwFacts, Context{Signer: signer, TPMRoots: roots}), results.StatusPass, "hardware TPM: EK endorsed by TPM maker Infineon Technologies AG"},
		{"the same record signed by another key is not hardware", claimTPMRequired, "{hardware: true}", in(hwFacts, Context{Signer: strings.Repeat("ab", 32), TPMRoots: roots}), results.StatusInconclusive, "a forged or mismatched verifier"},
		{"the same record without the maker's root is not hardware", claimTPMRequired, "{hardware: true}", in(hwFacts, Context{Signer: signer}), results.StatusInconclusive, "nobody endorses the EK"},
		{"a maker's chain with local activation is inconclusive for hardware", claimTPMRequired, "{hardware: true}", in(local, Context{TPMRoots: roots}), results.StatusInconclusive, "on the collector's and the report signer's own word (local activation); a verdict on the EK needs a challenging verifier"},
		{"activation: local accepts it and says so", claimTPMRequired, "{hardware: true, activation: local}", in(local, Context{TPMRoots: roots}), results.StatusPass, "AK↔EK binding on the collector's and the report signer's own word"},
		{"a suite excluding the maker's root gets no hardware", claimTPMRequired, "{hardware: true, exclude_roots: [sha256:" + sha(maker.Cert.Raw) + "]}", in(hwFacts, Context{Signer: signer, TPMRoots: roots}), results.StatusInconclusive, "the EK chains only to roots the suite does not accept"},
		{"activation: verifier refuses even a demo on local activation", claimTPMRequired, "{allow_simulated: true, activation: verifier}", sim, results.StatusInconclusive, "local activation"},
		// EK chain.
		{"swtpm's EK chain to its CA passes when simulated and local are allowed", claimTPMEKChainValid, "{allow_simulated: true, activation: local}", swCA, results.StatusPass, "EK chains to software anchor (root \"swtpm-localca\" sha256:"},
		{"swtpm's EK chain on local activation is inconclusive by default", claimTPMEKChainValid, "{allow_simulated: true}", swCA, results.StatusInconclusive, "local activation"},
		{"swtpm's EK chain fails without its CA", claimTPMEKChainValid, "{allow_simulated: true}", sw, results.StatusFail, "does not chain to a trusted root"},
		{"swtpm's EK chain fails when simulated is not allowed", claimTPMEKChainValid, "{activation: local}", swCA, results.StatusFail, "software TPM CA"},
		{"the simulator has no EK certificate", claimTPMEKChainValid, "{allow_simulated: true}", sim, results.StatusFail, "no EK certificate"},
		// Maker: from the chain, never from what the TPM says.
		{"the maker comes from the chain", claimTPMManufacturerIn, "{manufacturers: [IFX]}", in(hwFacts, Context{Signer: signer, TPMRoots: roots}), results.StatusPass, "EK endorsed by TPM maker Infineon"},
		{"a TPM that says IFX without a maker's chain is not Infineon", claimTPMManufacturerIn, "{manufacturers: [IFX]}", fake, results.StatusInconclusive, "the TPM says IFX (Infineon) firmware"},
		{"swtpm is software, whatever it says", claimTPMManufacturerIn, "{manufacturers: [IBM], allow_simulated: true}", swCA, results.StatusFail, "software TPM, no maker"},
		{"an endorsed maker outside the list fails", claimTPMManufacturerIn, "{manufacturers: [STM, NTC]}", in(hwFacts, Context{Signer: signer, TPMRoots: roots}), results.StatusFail, "not STM or NTC"},
		// Boot and PCRs.
		{"secure boot on is read from the replayed log", claimTPMSecureBoot, "{enabled: true, allow_simulated: true}", sim, results.StatusPass, "secure boot on per 15 replayed events"},
		{"secure boot off fails a secure-boot claim", claimTPMSecureBoot, "{enabled: true, allow_simulated: true}", sw, results.StatusFail, "secure boot off"},
		{"secure boot needs a real TPM unless allowed", claimTPMSecureBoot, "{enabled: true}", fake, results.StatusInconclusive, "nothing shows a real TPM for tpm.secure_boot"},
		// The replay checks PCR 7's variable data only when the state is read
		// (lazily): a SecureBoot variable flipped after measurement, its
		// digest kept so the PCRs still replay, shows there, never as a state.
		{"honest twin: secure boot off passes enabled: false", claimTPMSecureBoot, "{enabled: false, allow_simulated: true}", sw, results.StatusPass, "secure boot off"},
		{"secure boot flipped on after measurement is inconclusive", claimTPMSecureBoot, "{enabled: true, allow_simulated: true}", flipSecureBoot(t, sw, true), results.StatusInconclusive, "data does not hash to its measured digest"},
		{"secure boot flipped off after measurement is inconclusive", claimTPMSecureBoot, "{enabled: false, allow_simulated: true}", flipSecureBoot(t, sim, false), results.StatusInconclusive, "data does not hash to its measured digest"},
		{"the quoted PCR 7 matches its policy", claimTPMPCRPolicy, "{pcrs: {7: " + pcr7 + "}, allow_simulated: true}", sim, results.StatusPass, "PCRs [7] hold the policy values"},
		{"a different PCR 7 fails the policy", claimTPMPCRPolicy, "{pcrs: {7: " + strings.Repeat("00", 32) + "}, allow_simulated: true}", sim, results.StatusFail, "PCR 7 is " + pcr7},
		// Operators.
		{"a maker's TPM names no hyperscaler", claimTPMOperatorNotIn, "{operators: [Google, Microsoft]}", in(hwFacts, Context{Signer: signer, TPMRoots: roots}), results.StatusPass, "none of Google, Microsoft"},
		{"an unendorsed EK names no operator", claimTPMOperatorNotIn, "{operators: [Google]}", fake, results.StatusInconclusive, "no endorsed EK names an operator"},
	}
	runClaimCases(t, cases)
	t.Run("a verdict on a maker's chain records the root by content", func(t *testing.T) {
		o := evalClaim(t, claimTPMRequired, "{hardware: true}", in(hwFacts, Context{Signer: signer, TPMRoots: roots}))
		if len(o.Roots) != 1 || o.Roots[0] != "sha256:"+sha(maker.Cert.Raw) {
			t.Errorf("roots %v", o.Roots)
		}
	})
}

func evalClaim(t *testing.T, k Kind, param string, f Facts) Outcome {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(param), &n); err != nil {
		t.Fatal(err)
	}
	eval, err := k.parse(n.Content[0].Decode)
	if err != nil {
		t.Fatal(err)
	}
	return eval(f)
}

func TestTPMTrustIsNamedByContent(t *testing.T) {
	for _, tc := range []struct{ param, want string }{
		{"{roots: [/etc/sovbench/ek-roots]}", "roots are named by content"},
		{"{exclude_roots: [IFX1.pem]}", "exclude_roots"},
		{"{software_roots: [/tmp/ca.pem]}", "--tpm-roots DIR, under DIR/software"},
		{"{activation: maybe}", `activation: "maybe", want verifier or local`},
	} {
		t.Run(tc.param+" is refused", func(t *testing.T) {
			var n yaml.Node
			yaml.Unmarshal([]byte(tc.param), &n)
			_, err := claimTPMRequired.parse(n.Content[0].Decode)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
