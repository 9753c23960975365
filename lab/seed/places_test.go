package seed_test

import (
	"testing"

	"github.com/sovbench/sovbench/lab/seed"
)

// The seed lab states where its far ends are: report pages name a leak's
// destination by it ("replication, Singapore").
func TestFarEndsHaveTheirPlaces(t *testing.T) {
	topo, err := seed.Topology()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"sink": "Ashburn, United States", "vendor": "Council Bluffs, United States", "replica": "Singapore", "mirror": "Paris, France",
	} {
		s, err := topo.Service(name)
		if err != nil {
			t.Fatal(err)
		}
		if s.Location.Place != want {
			t.Errorf("%s is at %q, want %q", name, s.Location.Place, want)
		}
	}
}
