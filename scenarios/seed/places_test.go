package seed_test

import (
	"strings"
	"testing"

	"github.com/sovbench/sovbench/scenarios/seed"
)

// The suites write each far end's place as the binding gives it, and
// leave it empty (not guessed) where the binding has none.
func TestSuitesCarryTheFarEndsPlaces(t *testing.T) {
	b := seed.Binding{
		Provider: "acme", Operator: "Proximus Luxembourg", Host: "acme/vm1", Claims: "claims",
		Control: "198.18.1.101", API: "198.18.1.102", Metadata: "http://198.18.1.103", CAPEM: selfSigned(t),
		Sink: "198.19.1.1", Vendor: "198.19.1.2", Replica: "198.19.1.3", Mirror: "198.19.1.4",
		Control6: "fd5b:1ab:0:1::65", Services: "198.18.1.104", Services6: "fd5b:1ab:0:1::68", Resolver: "198.18.1.105", Resolver6: "fd5b:1ab:0:1::69",
		Landmarks: []seed.Landmark{{Name: "lm-paris", Addr: "198.19.1.6", Lat: 48.86, Lon: 2.35}},
		FarEnds:   []seed.FarEnd{{Addr: "198.19.1.3", Category: "replication", Place: "Singapore"}, {Addr: "198.19.1.2", Category: "vendor"}},
		Places:    map[string]string{"sink": "Ashburn, United States", "provider": "Luxembourg, LU"},
	}
	s, err := seed.Render("no-foreign-replication", b)
	if err != nil {
		t.Fatal(err)
	}
	src := string(s.Source)
	for _, want := range []string{
		`{host: 198.19.1.3, category: replication, place: "Singapore"}`,
		`{host: 198.19.1.2, category: vendor, place: ""}`,
		`{host: 198.18.1.101, port: 7, protocol: tcp, category: provider, control: true, place: "Luxembourg, LU"}`,
		`category: telemetry, server_name: telemetry.example, place: "Ashburn, United States"}`,
		`category: vendor, server_name: vendor.example, place: ""}`,
	} {
		if !strings.Contains(src, want) {
			t.Errorf("suite lacks %s", want)
		}
	}
}
