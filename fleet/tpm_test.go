package fleet

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/sovbench/sovbench/attest/swtpm/swtpmtest"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/verify"
)

// TestTPMQuoteBindsTheIssuedNonce runs host + TPM probes against a real
// swtpm: the quote must bind the verifier's nonce and the digest of the
// submitted evidence, or the submission is refused.
func TestTPMQuoteBindsTheIssuedNonce(t *testing.T) {
	ctx := context.Background()
	inst := swtpmtest.Start(t)
	dir := t.TempDir()
	suite := "suite: fleet-tpm\nprovider: {name: fleet-test}\ntargets: [{name: host, kind: local}]\nbudget: 2m\n" +
		"probes:\n  - probe: host\n    params: {metadata: false}\n  - probe: tpm\n    timeout: 1m\n" +
		"    params: {tpm: \"" + inst.Spec() + "\", boot_profile: secure-boot-on}\nclaims:\n  - tpm.secure_boot: {enabled: true}\n    require: no_fail\n"
	if err := os.WriteFile(filepath.Join(dir, "tpm.yaml"), []byte(suite), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := newTestServerOf(t, dir)
	c := ts.enrolled(t, "tpm-host")

	t.Run("a quote over the issued nonce and the evidence is accepted and verifies", func(t *testing.T) {
		resp, err := RunOnce(ctx, c, "fleet-tpm")
		if err != nil {
			t.Fatal(err)
		}
		paths, _ := filepath.Glob(filepath.Join(ts.dir, "*", "*.json"))
		if len(paths) != 1 {
			t.Fatalf("reports: %v", paths)
		}
		res := (&verify.Verifier{Keys: []*results.PublicKey{ts.key.Public()}}).File(ctx, paths[0])
		if !res.OK() {
			t.Fatalf("report %s does not verify: %v", resp.RunID, res.Failures())
		}
		rep, _ := res.Report()
		tpm := rep.FindEvidence("host/tpm")
		if tpm == nil || tpm.TPM == nil || len(tpm.TPM.Quotes) == 0 || tpm.TPM.Nonce.VerifierSource != "remote" {
			t.Fatalf("no remote-nonce TPM quote in the report: %+v", tpm)
		}
	})
	// evidence gathered under one nonce, for the refusals below.
	plan, err := c.Plan(ctx, "fleet-tpm")
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.Nonce(ctx, "fleet-tpm")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(n.Nonce)
	ev := runBound(ctx, plan, n.RunID, n.SuiteSHA256, raw)

	t.Run("a quote made for another nonce is refused", func(t *testing.T) {
		other, err := c.Nonce(ctx, "fleet-tpm")
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Submit(ctx, Submission{Suite: "fleet-tpm", Nonce: other.Nonce, Evidence: ev})
		refusal(t, err, "tpm_binding")
	})
	t.Run("evidence changed after the quote is refused", func(t *testing.T) {
		forged := append([]results.Evidence(nil), ev...)
		for i := range forged {
			if forged[i].Probe == "host" {
				forged[i].Duration++
			}
		}
		_, err := c.Submit(ctx, Submission{Suite: "fleet-tpm", Nonce: n.Nonce, Evidence: forged})
		refusal(t, err, "tpm_binding")
	})
}
