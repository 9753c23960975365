package claims

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	attesttee "github.com/sovbench/sovbench/attest/tee"
	"github.com/sovbench/sovbench/attest/tee/testsign"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/probes/tee"
	"github.com/sovbench/sovbench/results"
)

// teeFacts runs the real tee probe on a lab fixture whose test signer
// claims spec, bound to a fixed nonce and digest; it returns the facts and
// the signer's root as inline PEM for test_roots.
func teeFacts(t *testing.T, spec testsign.Spec) (Facts, string) {
	t.Helper()
	root := t.TempDir()
	s, err := testsign.Generate(filepath.Join(root, filepath.FromSlash(tee.FixtureDir)), spec)
	if err != nil {
		t.Fatal(err)
	}
	p, err := tee.New(probes.DefaultTEEParams())
	if err != nil {
		t.Fatal(err)
	}
	fp, err := p.(probes.FixtureReader).WithFixture(root)
	if err != nil {
		t.Fatal(err)
	}
	fp.(probes.Binder).Bind(probes.QuoteBinding{VerifierNonce: bytes.Repeat([]byte{5}, 32), VerifierSource: "harness", EvidenceDigest: bytes.Repeat([]byte{6}, 32)})
	ev, err := fp.Run(context.Background(), probes.Target{Name: "t", Kind: "lab"})
	if err != nil || ev.TEE == nil {
		t.Fatalf("tee probe: %+v, %v", ev, err)
	}
	ev.ID = "t/tee"
	return Facts{Target: "t", Evidence: []results.Evidence{ev}}, fmt.Sprintf("%q", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Root.Raw}))
}

func TestTEEClaims(t *testing.T) {
	meas := bytes.Repeat([]byte{0xa1}, 48)
	vcek, vcekRoot := teeFacts(t, testsign.Spec{Kind: results.TEESEVSNP, ChipID: bytes.Repeat([]byte{0xc1}, 64), TCB: [4]uint8{3, 0, 14, 209}, Measurement: meas})
	vlek, vlekRoot := teeFacts(t, testsign.Spec{Kind: results.TEESEVSNP, VLEK: true, CSPID: "Google", TCB: [4]uint8{3, 0, 14, 209}, Measurement: meas})
	debug, debugRoot := teeFacts(t, testsign.Spec{Kind: results.TEESEVSNP, ChipID: bytes.Repeat([]byte{0xc2}, 64), TCB: [4]uint8{3, 0, 8, 115}, Debug: true})
	tdx, tdxRoot := teeFacts(t, testsign.Spec{Kind: results.TEETDX, Measurement: meas, TEETCBSVN: []byte{3, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}})
	replayed, replayedRoot := teeFacts(t, testsign.Spec{Kind: results.TEESEVSNP, ChipID: bytes.Repeat([]byte{0xc1}, 64), TCB: [4]uint8{3, 0, 14, 209}})
	replayed.Evidence[0].TEE.Nonce.Verifier = bytes.Repeat([]byte{9}, 32) // the host swapped in another run's nonce
	failed := Facts{Target: "t", Evidence: []results.Evidence{{ID: "t/tee", Probe: "tee", Target: "t", Failure: &results.Failure{Class: "not_found", Operation: "report", Message: "no TEE"}}}}
	allow := func(root string) string { return "allow_test_roots: true, test_roots: [" + root + "]" }
	m := hex.EncodeToString(meas)
	cases := []claimCase{
		{"a test-signed report is inconclusive without allow_test_roots", claimTEERequired, "{kind: sev-snp, test_roots: [" + vcekRoot + "]}", vcek, results.StatusInconclusive, "test-signed sev-snp report"},
		{"a test root listed by fingerprint is the root the evidence carries", claimTEERequired, "{kind: sev-snp, allow_test_roots: true, test_roots: [" + fingerprint(t, vcek) + "]}", vcek, results.StatusPass, "signed by a test signer's VCEK"},
		{"another root's fingerprint does not admit the carried root", claimTEERequired, "{kind: sev-snp, allow_test_roots: true, test_roots: [" + fingerprint(t, vlek) + "]}", vcek, results.StatusFail, "refused (chain)"},
		{"a test chain to an unlisted root is refused", claimTEERequired, "{kind: sev-snp, allow_test_roots: true}", vcek, results.StatusFail, "refused (chain)"},
		{"a test-signed SEV-SNP report passes when test roots are allowed", claimTEERequired, "{kind: sev-snp, " + allow(vcekRoot) + "}", vcek, results.StatusPass, "signed by a test signer's VCEK"},
		{"an SEV-SNP report is not TDX", claimTEERequired, "{kind: tdx, " + allow(vcekRoot) + "}", vcek, results.StatusFail, "(kind)"},
		{"debug on fails", claimTEERequired, "{kind: any, " + allow(debugRoot) + "}", debug, results.StatusFail, "(debug)"},
		{"debug on passes only with allow_debug", claimTEERequired, "{kind: any, allow_debug: true, " + allow(debugRoot) + "}", debug, results.StatusPass, "verified"},
		{"a TCB below the minimum fails", claimTEERequired, "{kind: sev-snp, min_tcb: {bootloader: 3, snp: 14, microcode: 209}, allow_debug: true, " + allow(debugRoot) + "}", debug, results.StatusFail, "TCB snp SPL 8 is below the minimum 14"},
		{"a TCB at the minimum passes", claimTEERequired, "{kind: sev-snp, min_tcb: {bootloader: 3, snp: 14, microcode: 209}, " + allow(vcekRoot) + "}", vcek, results.StatusPass, "bl 3 tee 0 snp 14 ucode 209"},
		{"a TDX TEE_TCB_SVN below the minimum fails", claimTEERequired, "{kind: tdx, min_tee_tcb_svn: 04000000000000000000000000000000, " + allow(tdxRoot) + "}", tdx, results.StatusFail, "tcb_below_minimum"},
		{"a TDX quote passes tee.required tdx", claimTEERequired, "{kind: tdx, min_tee_tcb_svn: 03010000000000000000000000000000, " + allow(tdxRoot) + "}", tdx, results.StatusPass, "tdx report verified"},
		{"a replayed report (another nonce) is refused", claimTEERequired, "{kind: sev-snp, " + allow(replayedRoot) + "}", replayed, results.StatusFail, "refused (report_data)"},
		{"a host without a TEE fails", claimTEERequired, "{kind: any}", failed, results.StatusFail, "no TEE report"},
		{"no TEE evidence is inconclusive", claimTEERequired, "{kind: any}", Facts{Target: "t"}, results.StatusInconclusive, "no TEE evidence"},
		{"the launch measurement matches", claimTEEMeasurement, "{measurements: [" + m + "], " + allow(tdxRoot) + "}", tdx, results.StatusPass, "launch measurement " + m},
		{"another launch measurement fails", claimTEEMeasurement, "{measurements: [" + strings.Repeat("00", 48) + "], " + allow(vcekRoot) + "}", vcek, results.StatusFail, "(measurement)"},
		{"a VCEK is the chip's word", claimTEEEndorsedBy, "{signers: [vcek], chip_ids: [" + strings.Repeat("c1", 8) + "], " + allow(vcekRoot) + "}", vcek, results.StatusPass, "VCEK of chip c1c1"},
		{"a VLEK where a VCEK is required fails", claimTEEEndorsedBy, "{signers: [vcek], " + allow(vlekRoot) + "}", vlek, results.StatusFail, "VLEK where VCEK is required (signer): cloud provider Google vouches"},
		{"a VLEK of an expected cloud passes", claimTEEEndorsedBy, "{signers: [vlek], csp_ids: [google], " + allow(vlekRoot) + "}", vlek, results.StatusPass, "VLEK for cloud provider Google"},
		{"a VLEK of another cloud fails", claimTEEEndorsedBy, "{signers: [vlek], csp_ids: [Amazon], " + allow(vlekRoot) + "}", vlek, results.StatusFail, "(csp_id)"},
		{"another chip fails chip_ids", claimTEEEndorsedBy, "{signers: [vcek], chip_ids: [" + strings.Repeat("c2", 8) + "], " + allow(vcekRoot) + "}", vcek, results.StatusFail, "(chip)"},
		{"an Intel PCK is Intel's word", claimTEEEndorsedBy, "{signers: [pck], " + allow(tdxRoot) + "}", tdx, results.StatusPass, "test signer's PCK"},
		{"a test-signed endorsement is inconclusive without allow_test_roots", claimTEEEndorsedBy, "{signers: [vlek], test_roots: [" + vlekRoot + "]}", vlek, results.StatusInconclusive, "not AMD"},
	}
	runClaimCases(t, cases)
}

func TestTEEClaimParamsAreChecked(t *testing.T) {
	for _, c := range []struct {
		kind  Kind
		param string
		want  string
	}{
		{claimTEERequired, "{kind: sgx}", "not sev-snp, tdx or any"},
		{claimTEERequired, "{kind: tdx, min_tee_tcb_svn: 03}", "32 hex digits"},
		{claimTEEMeasurement, "{measurements: []}", "at least one"},
		{claimTEEMeasurement, "{measurements: [abcd]}", "96 hex digits"},
		{claimTEEEndorsedBy, "{signers: [amd]}", "not vcek, vlek or pck"},
		{claimTEERequired, "{kind: any, test_roots: [sha256:abcd]}", "64 hex digits"},
		{claimTEEEndorsedBy, "{signers: [vcek], chip_ids: [abc]}", "16 hex digits"},
	} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(c.param), &n); err != nil {
			t.Fatal(err)
		}
		if _, err := c.kind.parse(n.Content[0].Decode); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: %v, want %q", c.kind.Name, c.param, err, c.want)
		}
	}
}

// fingerprint is the sha256: name of the root the facts' evidence carries.
func fingerprint(t *testing.T, f Facts) string {
	t.Helper()
	c := attesttee.CarriedRoot(f.Evidence[0].TEE)
	if c == nil {
		t.Fatal("the evidence carries no root")
	}
	return attesttee.Fingerprint(c)
}
