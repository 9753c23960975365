package claims

import (
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/probes/controlplane"
	"github.com/sovbench/sovbench/results"
)

// cpFactsTrips is cpFacts with the backend exchange's round trips given.
func cpFactsTrips(rtt, server time.Duration, trips int) Facts {
	f := cpFacts(rtt, server)
	f.Evidence[0].ControlPlane.Origin = controlplane.OriginOf(rtt, server, 10*time.Millisecond, trips)
	return f
}

// Timing bounds a control plane's distance only from above: a slow server
// near by and a fast one far away take the same time. So the claim fails
// on nothing timing shows, passes only when every upper bound is within the
// limit, and says "≤" in its figures.
func TestControlPlaneDistanceIsAnUpperBound(t *testing.T) {
	for _, tc := range []struct {
		name         string
		facts        Facts
		want         results.Status
		figure, says string
	}{
		{"a near API answering quickly passes with a ≤ figure", cpFacts(300*time.Microsecond, 2*time.Millisecond),
			results.StatusPass, "≤ 30 km", "within 100 km"},
		{"a local API that is only slow (80ms of server time, no backend) does not fail", cpFacts(300*time.Microsecond, 80*time.Millisecond),
			results.StatusInconclusive, "", "≤ 7994 km, or a slow server near by"},
		{"a backend exchange of two round trips is charged per round trip", cpFactsTrips(300*time.Microsecond, 80*time.Millisecond, 2),
			results.StatusInconclusive, "", "2 round trips to ≤ 3997 km"},
		{"a far front end is not provably near, nor provably far", cpFacts(60*time.Millisecond, time.Millisecond),
			results.StatusInconclusive, "", "front end ≤ 5996 km"},
		{"a backend hop that fits within the limit passes", cpFactsTrips(300*time.Microsecond, 12*time.Millisecond, 16),
			results.StatusPass, "≤ 75 km", "worst ≤ 75 km"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eval, err := claimControlPlaneMaxDistance.parse(node(t, 100.0).Decode)
			if err != nil {
				t.Fatal(err)
			}
			o := eval(tc.facts)
			if o.Status != tc.want || o.Figure != tc.figure || !strings.Contains(o.Reason, tc.says) {
				t.Fatalf("got %s %q [%s], want %s containing %q [%s]", o.Status, o.Reason, o.Figure, tc.want, tc.says, tc.figure)
			}
			if strings.Contains(o.Reason, "beyond 100 km") {
				t.Fatalf("reason claims a lower bound timing cannot give: %q", o.Reason)
			}
		})
	}
}
