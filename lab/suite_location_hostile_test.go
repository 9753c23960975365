package lab_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/lab"
	"github.com/sovbench/sovbench/lab/labtest"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/run"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// hostileLab has two honest hosts (Frankfurt, Ashburn) and two lying twins:
// frx answers for the Luxembourg landmark from its own host (a proxy next
// to the host) and drops every real landmark; ashx drops the US landmarks,
// the ones able to show it is in the US.
const hostileLab = `
lab: hostile
internet: {location: {lat: 50.11, lon: 8.68}}
providers:
  - {name: fra, country: DE, location: {lat: 50.1109, lon: 8.6821}, egress: {policy: open}, hosts: [{name: vm}]}
  - {name: frx, country: DE, location: {lat: 50.1109, lon: 8.6821}, egress: {policy: drop}, hosts: [{name: vm}]}
  - {name: ash, country: US, location: {lat: 39.04, lon: -77.49}, egress: {policy: open}, hosts: [{name: vm}]}
  - name: ashx
    country: US
    location: {lat: 39.04, lon: -77.49}
    egress: {policy: allow, allow: [{to: lm-luxembourg}, {to: lm-frankfurt}, {to: lm-paris}, {to: lm-london}]}
    hosts: [{name: vm}]
services:
  - {name: lm-luxembourg, kind: landmark, at: internet, location: {lat: 49.6117, lon: 6.13}}
  - {name: lm-frankfurt, kind: landmark, at: internet, location: {lat: 50.1155, lon: 8.6842}}
  - {name: lm-paris, kind: landmark, at: internet, location: {lat: 48.8534, lon: 2.3488}}
  - {name: lm-london, kind: landmark, at: internet, location: {lat: 51.5085, lon: -0.1257}}
  - {name: lm-ashburn, kind: landmark, at: internet, location: {lat: 39.0437, lon: -77.4875}}
  - {name: lm-newyork, kind: landmark, at: internet, location: {lat: 40.71, lon: -74.01}}
  - {name: fake-lux, kind: landmark, at: frx/vm}
`

// hostileSuite measures every landmark from every host; frx's host also
// reports the forged landmark under the Luxembourg landmark's name.
func hostileSuite(t *testing.T, l *lab.Lab) string {
	t.Helper()
	ca, err := os.ReadFile(filepath.Join(l.State.Dir(), "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	entry := func(name, addr string, loc lab.Location) string {
		return fmt.Sprintf("        - {name: %s, address: %s, lat: %v, lon: %v, tls: {server_name: %s, ca_pem: %q}}\n", name, addr, loc.Lat, loc.Lon, name, ca)
	}
	var b strings.Builder
	b.WriteString("suite: hostile-lab\nprovider: {name: lab}\nbudget: 3m\nconcurrency: 2\ntargets:\n")
	for _, p := range []string{"fra", "frx", "ash", "ashx"} {
		fmt.Fprintf(&b, "  - {name: %s, kind: lab, host: %s/vm}\n", p, p)
	}
	b.WriteString("probes:\n")
	rtt := "  - probe: rtt\n    id: %s\n    targets: [%s]\n    timeout: 60s\n    params:\n      count: 5\n      interval: 20ms\n      sample_timeout: 300ms\n      landmarks:\n"
	fmt.Fprintf(&b, rtt, "rtt", "fra, frx, ash, ashx")
	var lux lab.Location
	for _, s := range l.Topology.Services {
		if strings.HasPrefix(s.Name, "lm-") {
			b.WriteString(entry(s.Name, s.Addrs[0].String(), s.Location))
		}
		if s.Name == "lm-luxembourg" {
			lux = s.Location
		}
	}
	fake, err := l.Addr("fake-lux")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, rtt, "rtt-forged", "frx")
	b.WriteString(entry("lm-luxembourg", fake.String(), lux))
	b.WriteString("claims:\n  - location.in: LU\n  - location.not_in: [US, CN]\n  - location.within_km: {of: [49.61, 6.13], km: 100}\n")
	return b.String()
}

// A provider that lies about its network (a proxy answering for a
// landmark, selective drops) never gets a pass its honest twin would not.
func TestHostileLocationProviders(t *testing.T) {
	l := labtest.Up(t, hostileLab)
	src := hostileSuite(t, l)
	s, err := suite.Parse("hostile-lab.yaml", []byte(src))
	if err != nil {
		t.Fatalf("suite: %v\n%s", err, src)
	}
	r := &run.Runner{AgentPath: agentBinary(t), Labs: l}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep := r.Run(ctx, s)
	if rep.Status != results.RunComplete {
		t.Fatalf("run %s: %+v", rep.Status, rep.Interruption)
	}
	const pass, fail, inc = results.StatusPass, results.StatusFail, results.StatusInconclusive
	want := map[string]map[string][]results.Status{
		"location.in":        {"fra": {fail}, "frx": {fail, inc}, "ash": {fail}, "ashx": {fail, inc}},
		"location.not_in":    {"fra": {pass}, "frx": {pass, inc}, "ash": {fail}, "ashx": {fail, inc}},
		"location.within_km": {"fra": {fail}, "frx": {fail, inc}, "ash": {fail}, "ashx": {fail, inc}},
	}
	seen := 0
	for _, v := range rep.Verdicts {
		ok, ruled := want[v.Claim][v.Target]
		if !ruled {
			continue
		}
		seen++
		t.Run(fmt.Sprintf("%s on %s is %v", v.Claim, v.Target, ok), func(t *testing.T) {
			t.Logf("%s: %s [%s]", v.Status, v.Reason, v.Figure)
			for _, s := range ok {
				if v.Status == s {
					return
				}
			}
			t.Fatalf("status %s (%s)", v.Status, v.Reason)
		})
	}
	if seen != 12 {
		t.Fatalf("%d verdicts, want 12", seen)
	}
}
