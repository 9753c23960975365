package seed

import (
	"fmt"
	"strings"

	"github.com/sovbench/sovbench/lab"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// HostileSuite is the location suite the seed lab's lying providers and
// their honest twins run (and nothing else): each lie of the adversary
// model in docs/location.md next to a host that tells the truth from the
// same place, so the QA catalogue states that a lie never earns a pass.
const HostileSuite = "location-hostile"

// QAOnly reports whether p is a provider of the location QA (facts
// qa: location-hostile): it runs HostileSuite and no seed suite.
func QAOnly(p lab.Provider) bool { return p.Facts["qa"] == HostileSuite }

// hostileClaims are what a lying provider would like to pass: a Frankfurt
// host to be in Paris, an Ashburn host to be out of the US.
const hostileClaims = `claims:
  - location.in: FR
  - location.not_in: [US, CN]
  - location.within_km: {of: [48.86, 2.35], km: 50}
`

// bindHostile renders HostileSuite for provider p: the landmarks of Europe
// and North America (lm-singapore's disk is a hemisphere from either
// place and its round trips would only lengthen the demo) with the lab CA
// as the only root of their handshakes, as the seed suites measure them.
func bindHostile(l *lab.Lab, p lab.Provider) (*suite.Suite, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "suite: %s\ndescription: Location claims of providers that lie about their network, and of their honest twins.\n", HostileSuite)
	fmt.Fprintf(&b, "provider:\n  name: %s\n  claims: %q\n", p.Name, p.Facts["claim"])
	fmt.Fprintf(&b, "targets:\n  - {name: %s, kind: lab, host: %s/vm1}\nbudget: 2m\nprobes:\n", p.Name, p.Name)
	b.WriteString("  - probe: rtt\n    timeout: 30s\n    params:\n      count: 10\n      interval: 20ms\n      sample_timeout: 500ms\n      landmarks:\n")
	for _, s := range l.Topology.Services {
		if s.Kind == "landmark" && strings.HasPrefix(s.Name, "lm-") && s.Name != "lm-singapore" {
			fmt.Fprintf(&b, "        - {name: %s, address: %s, lat: %v, lon: %v, tls: {server_name: %s, ca_pem: %q}}\n",
				s.Name, s.Addrs[0], s.Location.Lat, s.Location.Lon, s.Name, l.CA.PEM)
		}
	}
	b.WriteString(hostileClaims)
	s, err := suite.Parse(fmt.Sprintf("seed/%s@%s.yaml", HostileSuite, p.Name), []byte(b.String()))
	if err != nil {
		return nil, fmt.Errorf("parsing suite %s for %s: %w", HostileSuite, p.Name, err)
	}
	return s, nil
}
