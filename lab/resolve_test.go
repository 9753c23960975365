package lab

import (
	"testing"
)

// A process holding a lab finds its hosts by provider/host or by
// lab:provider/host with the lab's own name; another lab's name is an error.
func TestAHeldLabFindsItsOwnHosts(t *testing.T) {
	topo, err := Parse("/labs/held.yaml", []byte(`
lab: held
internet: {location: {lat: 50.11, lon: 8.68}}
providers:
  - name: acme
    location: {lat: 49.61, lon: 6.13}
    egress: {policy: none}
    hosts: [{name: vm, fixture: hosts/vm}, {name: plain}]
`))
	if err != nil {
		t.Fatal(err)
	}
	topo.Providers[0].Hosts[0].Namespace = "sbt-acme-vm"
	l := &Lab{Topology: topo, State: &State{Name: "held"}}
	cases := []struct {
		name, spec, wantNS, wantFixture string
		ok                              bool
	}{
		{"provider/host finds the host and its fixture", "acme/vm", "sbt-acme-vm", "/labs/hosts/vm", true},
		{"the lab's own name may prefix it", "held:acme/vm", "sbt-acme-vm", "/labs/hosts/vm", true},
		{"a host without a fixture has none", "acme/plain", "", "", true},
		{"another lab's name is an error", "other:acme/vm", "", "", false},
		{"an unknown host is an error", "acme/nope", "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := l.LabHost(c.spec)
			if (err == nil) != c.ok || h.Namespace != c.wantNS || h.Fixture != c.wantFixture {
				t.Errorf("LabHost(%q) = %+v, %v; want namespace %q fixture %q (ok %v)", c.spec, h, err, c.wantNS, c.wantFixture, c.ok)
			}
		})
	}
}
