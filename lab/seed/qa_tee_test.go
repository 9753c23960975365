package seed_test

import (
	"fmt"
	"strings"
	"testing"

	attesttee "github.com/sovbench/sovbench/attest/tee"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/claims"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// checkTestSignedIsNotAMD is the twin of every TEE row of the catalogue:
// the same test-signed reports, under a suite that lists their root but does
// not allow test roots, are inconclusive for each of the three TEE claims —
// never AMD's or Intel's word.
func checkTestSignedIsNotAMD(t *testing.T, reps []*results.Report) {
	t.Helper()
	seen := 0
	for _, rep := range reps {
		for _, ev := range rep.Evidence {
			if ev.TEE == nil {
				continue
			}
			seen++
			root := attesttee.CarriedRoot(ev.TEE)
			if root == nil {
				t.Errorf("%s: the TEE evidence carries no root", ev.ID)
				continue
			}
			s, err := suite.Parse("strict.yaml", []byte(fmt.Sprintf(`suite: strict
provider: {name: p}
targets: [{name: %s}]
probes: [{probe: tee}]
claims:
  - tee.required: {kind: any, test_roots: [%[2]q]}
  - tee.measurement: {measurements: [%[3]s], test_roots: [%[2]q]}
  - tee.endorsed_by: {signers: [vcek, vlek, pck], test_roots: [%[2]q]}
`, ev.Target, attesttee.Fingerprint(root), strings.Repeat("9c", 48))))
			if err != nil {
				t.Fatal(err)
			}
			vs := claims.Evaluate(s.Claims, s.TargetNames(), []results.Evidence{ev})
			if len(vs) != 3 {
				t.Errorf("%s: %d verdicts, want one per TEE claim", ev.ID, len(vs))
			}
			for _, v := range vs {
				// The suite here lists the root the evidence carries (clover's
				// own too): only allow_test_roots is missing.
				if v.Status != results.StatusInconclusive {
					t.Errorf("%s on %s without allow_test_roots: %s (%s), want inconclusive", rep.Suite.Name, rep.Provider.Name, v.Status, v.Reason)
				}
			}
		}
	}
	if seen == 0 {
		t.Error("no report holds TEE evidence")
	}
}
