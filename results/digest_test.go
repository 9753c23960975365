package results

import (
	"bytes"
	"encoding/hex"
	"testing"
	"time"
)

func digestFixture() *Report {
	t0 := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	return &Report{
		RunID: "0190-run", Suite: SuiteRef{SHA256: "ab"},
		Evidence: []Evidence{
			{ID: "h1/host", Probe: "host", Target: "h1", Start: t0, Host: &HostDetails{Kernel: Claimed{Value: "6.1"}}},
			{ID: "h1/tpm", Probe: "tpm", Target: "h1", Start: t0, TPM: &TPMDetails{Simulated: true}},
			{ID: "h2/host", Probe: "host", Target: "h2", Start: t0},
			{ID: "h1/tee", Probe: "tee", Target: "h1", Start: t0, TEE: &TEEDetails{Kind: TEESEVSNP}},
		},
	}
}

func TestEvidenceDigest(t *testing.T) {
	base := EvidenceDigest(digestFixture(), "h1")
	if bytes.Equal(base, EvidenceDigest(digestFixture(), "h2")) {
		t.Error("two targets share a digest")
	}
	if len(base) != 32 {
		t.Fatalf("digest is %d bytes, want 32", len(base))
	}
	changed := []struct {
		name   string
		mutate func(r *Report)
	}{
		{"a different run id changes it", func(r *Report) { r.RunID = "other" }},
		{"a different suite changes it", func(r *Report) { r.Suite.SHA256 = "cd" }},
		{"a changed observation changes it", func(r *Report) { r.Evidence[0].Host.Kernel.Value = "6.2" }},
		{"a dropped record changes it", func(r *Report) { r.Evidence = r.Evidence[1:] }},
		{"a record moved to another target changes it", func(r *Report) { r.Evidence[0].Target = "h2" }},
	}
	for _, tc := range changed {
		t.Run(tc.name, func(t *testing.T) {
			r := digestFixture()
			tc.mutate(r)
			if bytes.Equal(EvidenceDigest(r, "h1"), base) {
				t.Errorf("digest unchanged: %s", hex.EncodeToString(base))
			}
		})
	}
	same := []struct {
		name   string
		mutate func(r *Report)
	}{
		{"the order of records does not change it", func(r *Report) { r.Evidence[0], r.Evidence[2] = r.Evidence[2], r.Evidence[0] }},
		{"TPM evidence is left out", func(r *Report) { r.Evidence[1].TPM.Simulated = false }},
		{"a failed TPM record is left out", func(r *Report) { r.Evidence[1].TPM = nil; r.Evidence[1].Failure = &Failure{Class: ClassTimeout} }},
		{"TEE evidence is left out (it binds the digest too)", func(r *Report) { r.Evidence[3].TEE.Kind = TEETDX }},
		{"a failed TEE record is left out", func(r *Report) { r.Evidence[3].TEE = nil; r.Evidence[3].Failure = &Failure{Class: ClassTimeout} }},
		{"verdicts are not evidence", func(r *Report) { r.Verdicts = []Verdict{{Claim: "x", Status: StatusFail}} }},
		{"another target's evidence is left out", func(r *Report) { r.Evidence[2].Duration = 5 }},
	}
	for _, tc := range same {
		t.Run(tc.name, func(t *testing.T) {
			r := digestFixture()
			tc.mutate(r)
			if got := EvidenceDigest(r, "h1"); !bytes.Equal(got, base) {
				t.Errorf("digest changed: %x, want %x", got, base)
			}
		})
	}
}

// Round trips measured towards the host from outside are not the host's to
// bind; but attaching outside details to a host record does not take that
// record out of the digest.
func TestOutsideEvidenceIsLeftOutByProbeOnly(t *testing.T) {
	base := []Evidence{{ID: "a/host", Probe: "host", Target: "a"}}
	d := EvidenceDigestOf("run", "sum", "a", base)
	withInbound := append(append([]Evidence{}, base...), Evidence{ID: "a/inbound", Probe: "inbound", Target: "a", Inbound: &InboundDetails{MeasurementID: 1}})
	if string(EvidenceDigestOf("run", "sum", "a", withInbound)) != string(d) {
		t.Error("an inbound record changed the host's evidence digest")
	}
	disguised := []Evidence{{ID: "a/host", Probe: "host", Target: "a", Inbound: &InboundDetails{MeasurementID: 1}}}
	if string(EvidenceDigestOf("run", "sum", "a", disguised)) == string(EvidenceDigestOf("run", "sum", "a", nil)) {
		t.Error("a host record with inbound details left the digest")
	}
}
