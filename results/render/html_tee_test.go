package render

import (
	"strings"
	"testing"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/internal/testreport"
)

// A TEE record is shown as recorded, and a test-signed one says so in
// words, not only in a field.
func TestHTMLShowsTEEEvidence(t *testing.T) {
	r := testreport.Fixture(t)
	r.Evidence = append(r.Evidence, results.Evidence{ID: "h1/tee", Probe: "tee", ProbeVersion: "1.0.0", Target: "h1", Start: r.Started,
		TEE: &results.TEEDetails{Kind: results.TEESEVSNP, Source: "lab-fixture", TestSigned: true, Report: make([]byte, 1184),
			Certs: []results.TEECert{{Role: "vlek", DER: make([]byte, 1300), From: "extended report"}}, Nonce: results.TPMNonce{VerifierSource: "remote"}}})
	r.Verdicts = append(r.Verdicts, results.Verdict{Claim: "tee.endorsed_by", Params: "{signers: [vcek]}", Target: "h1", Status: results.StatusFail,
		Reason: "VLEK where VCEK is required (signer)", Figure: "VLEK Google (test-signed)", Evidence: []string{"h1/tee"}})
	page := renderHTML(t, r, HTMLOptions{})
	for _, want := range []string{
		`<a href="#ev-h1-tee">h1/tee</a>`,
		"<td>VLEK Google (test-signed)</td>",
		"Test-signed by the lab's stand-in CPU, not AMD or Intel.",
		"<td>certificate vlek</td><td>1300 bytes, from extended report</td>",
		"<td>report</td><td>1184 bytes</td>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
