package claims

import (
	"crypto/x509/pkix"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/attest/collect"
	"github.com/sovbench/sovbench/attest/collect/collecttest"
	"github.com/sovbench/sovbench/attest/swtpm/swtpmtest"
	"github.com/sovbench/sovbench/results"
)

// TestOperatorFromVerifiedTPMFacts is the attested twin of the claimed
// operator cases: a host whose TPM's EK chains to a cloud vTPM root (a CA
// made in the test under a cloud's name, given as --tpm-roots DIR/cloud-vtpm)
// with the binding confirmed by the verifier that signs the report. Its
// operator is that cloud's whatever its DMI strings say; the same record
// signed by another key, or without the root, names no operator.
func TestOperatorFromVerifiedTPMFacts(t *testing.T) {
	cloud := collecttest.NewCA(t, pkix.Name{Organization: []string{"Google LLC"}, CommonName: "EK/AK CA Root (test)"})
	roots := attest.BundledRoots()
	if err := roots.LoadDir(cloud.WriteRoots(t, "cloud-vtpm", "google-test")); err != nil {
		t.Fatal(err)
	}
	rec := collecttest.Remote(t, swtpmtest.Start(t).Spec(), collecttest.Request(t, "remote"), signer, func(ek *results.TPMEK) { cloud.EndorseEK(t, ek) })
	rec.Kind, rec.Simulated = collect.KindDevice, false
	tpmEv := results.Evidence{ID: "t/tpm", Probe: "tpm", Target: "t", TPM: rec}
	with := func(platform string, ctx Context) Facts {
		f := hostFacts(t, platform, nil)
		f.Evidence = append(f.Evidence, tpmEv)
		return in(f, ctx)
	}
	// gce: the host's signals and its TPM agree. borrowed: the host shows
	// Hetzner's DMI strings, NIC prefix and upstreams over Google's vTPM.
	gce, borrowed := with("gce", Context{Signer: signer, TPMRoots: roots}), with("hetzner-cloud", Context{Signer: signer, TPMRoots: roots})
	otherSigner := with("hetzner-cloud", Context{Signer: strings.Repeat("ab", 32), TPMRoots: roots})
	noRoot := with("gce", Context{Signer: signer})
	cases := []claimCase{
		{"the attested cloud passes operator.in it", claimOperatorIn, "[Google]", gce, results.StatusPass, "attested: EK endorsed by cloud operator Google"},
		{"the attested cloud passes operator.not_in others", claimOperatorNotIn, "[Amazon]", gce, results.StatusPass, "binding confirmed by challenging verifier"},
		{"the attested cloud fails operator.not_in it, whatever names it borrows", claimOperatorNotIn, "[Amazon, Google, Microsoft]", borrowed, results.StatusFail, "attested: EK endorsed by cloud operator Google"},
		{"borrowed names contradicting the TPM fail operator.in", claimOperatorIn, "[Google]", borrowed, results.StatusFail, "point to Hetzner"},
		{"signed by another key, nothing is attested", claimOperatorNotIn, "[Amazon]", otherSigner, results.StatusInconclusive, "can fail this claim but not pass it"},
		{"without the cloud's root, nothing is attested", claimOperatorIn, "[Google]", noRoot, results.StatusInconclusive, "nothing attested confirms it"},
	}
	runClaimCases(t, cases)
	t.Run("an attested verdict records the cloud's root by content", func(t *testing.T) {
		o := evalClaim(t, claimOperatorIn, "[Google]", gce)
		if len(o.Roots) != 1 || o.Roots[0] != "sha256:"+sha(cloud.Cert.Raw) {
			t.Errorf("roots %v", o.Roots)
		}
	})
}
