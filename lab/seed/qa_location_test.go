package seed_test

import (
	"strings"
	"testing"

	"github.com/sovbench/sovbench/lab/seed"
	"github.com/sovbench/sovbench/results"
)

// checkHostileLocation holds the location QA (#17) to more than its
// statuses: no lying provider (hx-*) passes anything, and each lie is
// stopped for the reason the adversary model gives (docs/location.md):
// hx-forge's proxy contradicts the honest Frankfurt landmark (the
// consistency check names the pair), hx-proxy's by its handshake or the
// geometry, which at least one of its verdicts must say (the others may
// rest on the authenticated region alone, which reaches beyond the claim).
func checkHostileLocation(t *testing.T, reps []*results.Report) {
	seen, caught := 0, false
	for _, rep := range reps {
		if rep.Suite.Name != seed.HostileSuite {
			continue
		}
		p := rep.Provider.Name
		for _, v := range rep.Verdicts {
			seen++
			t.Logf("%s on %s: %s: %s", v.Key(), p, v.Status, v.Reason)
			liar := strings.HasPrefix(p, "hx-")
			if liar && v.Status == results.StatusPass {
				t.Errorf("%s on %s: a lying provider passes: %s", v.Key(), p, v.Reason)
			}
			if p == "hx-forge" && !(strings.Contains(v.Reason, "lm-paris") && strings.Contains(v.Reason, "km apart")) {
				t.Errorf("%s on %s: %s, want the consistency check naming lm-paris", v.Key(), p, v.Reason)
			}
			if p == "hx-proxy" && (strings.Contains(v.Reason, "impersonates a landmark") || strings.Contains(v.Reason, "km apart")) {
				caught = true
			}
		}
	}
	if seen == 0 {
		t.Error("no location QA verdicts")
	}
	if !caught {
		t.Error("no verdict on hx-proxy names the impersonated landmark")
	}
}
