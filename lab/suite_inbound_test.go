package lab_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/atlas"
	"github.com/sovbench/sovbench/atlas/atlastest"
	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/lab"
	"github.com/sovbench/sovbench/lab/labtest"
	"github.com/sovbench/sovbench/landmarks"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/plan"
	"github.com/sovbench/sovbench/scenarios/run"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// inboundLab has an honest host in Bissen (lux/vm) and a host in Ashburn
// (ash/vm) whose agent forges Bissen's round trips; landmarks for the
// hosts' own round trips; and vantage points standing in for RIPE Atlas
// probes on anchors (vp-*/p), which measure towards the hosts.
const inboundLab = `
lab: inbound
inflation: 1.0
internet: {location: {lat: 50.11, lon: 8.68}}
providers:
  - {name: lux, country: LU, location: {lat: 49.787, lon: 6.068}, egress: {policy: open}, hosts: [{name: vm}]}
  - {name: ash, country: US, location: {lat: 39.04, lon: -77.49}, egress: {policy: open}, hosts: [{name: vm}]}
  - {name: vp-lux, country: LU, location: {lat: 49.6117, lon: 6.13}, egress: {policy: open}, hosts: [{name: p}]}
  - {name: vp-bru, country: BE, location: {lat: 50.8505, lon: 4.3488}, egress: {policy: open}, hosts: [{name: p}]}
  - {name: vp-fra, country: DE, location: {lat: 50.1155, lon: 8.6842}, egress: {policy: open}, hosts: [{name: p}]}
  - {name: vp-par, country: FR, location: {lat: 48.8534, lon: 2.3488}, egress: {policy: open}, hosts: [{name: p}]}
  - {name: vp-ams, country: NL, location: {lat: 52.374, lon: 4.8897}, egress: {policy: open}, hosts: [{name: p}]}
  - {name: vp-was, country: US, location: {lat: 38.9072, lon: -77.0369}, egress: {policy: open}, hosts: [{name: p}]}
  - {name: vp-nyc, country: US, location: {lat: 40.7128, lon: -74.006}, egress: {policy: open}, hosts: [{name: p}]}
services:
  - {name: lm-luxembourg, kind: landmark, at: internet, location: {lat: 49.6117, lon: 6.13}}
  - {name: lm-ettelbruck, kind: landmark, at: internet, location: {lat: 49.8475, lon: 6.1042}}
  - {name: lm-wiltz, kind: landmark, at: internet, location: {lat: 49.9655, lon: 5.9339}}
  - {name: lm-echternach, kind: landmark, at: internet, location: {lat: 49.8121, lon: 6.4185}}
  - {name: lm-brussels, kind: landmark, at: internet, location: {lat: 50.8505, lon: 4.3488}}
  - {name: lm-frankfurt, kind: landmark, at: internet, location: {lat: 50.1155, lon: 8.6842}}
  - {name: lm-paris, kind: landmark, at: internet, location: {lat: 48.8534, lon: 2.3488}}
  - {name: lm-ashburn, kind: landmark, at: internet, location: {lat: 39.0437, lon: -77.4875}}
`

var vantageHosts = []string{"vp-lux/p", "vp-bru/p", "vp-fra/p", "vp-par/p", "vp-ams/p", "vp-was/p", "vp-nyc/p"}

// forgingAgent writes the agent the runner starts in every host's
// namespace: in ash/vm's it runs the real agent in lux/vm's namespace
// instead, so the Ashburn host answers the rtt probe with round trips
// measured in Bissen — a forgery its own evidence cannot show.
func forgingAgent(t *testing.T, l *lab.Lab) string {
	t.Helper()
	script := fmt.Sprintf("#!/bin/sh\nif [ \"$(ip netns identify)\" = %q ]; then exec ip netns exec %q %q \"$@\"; fi\nexec %q \"$@\"\n",
		labtest.Namespace(t, l, "ash/vm"), labtest.Namespace(t, l, "lux/vm"), agentBinary(t), agentBinary(t))
	path := filepath.Join(t.TempDir(), "forging-agent")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// vantageFile writes a landmark file of the vantage points (probe ids
// 7001...) and returns its path.
func vantageFile(t *testing.T, l *lab.Lab) string {
	t.Helper()
	var lms []landmarks.Landmark
	for i, h := range vantageHosts {
		host, err := l.Topology.Host(h)
		if err != nil {
			t.Fatal(err)
		}
		country := ""
		for _, p := range l.Topology.Providers {
			if p.Name == strings.Split(h, "/")[0] {
				country = p.Country
			}
		}
		lms = append(lms, landmarks.Landmark{Name: strings.ReplaceAll(h, "/", "-") + ".anchors.lab", Country: country, Lat: host.Location.Lat, Lon: host.Location.Lon,
			IPv4: host.Addrs[0].String(), ProbeID: 7001 + i, Answers: []string{"icmp"}})
	}
	set, err := landmarks.NewSet("lab vantage points", time.Now(), lms, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(set)
	path := filepath.Join(t.TempDir(), "vantages.json")
	os.WriteFile(path, b, 0o644)
	return path
}

var pingTime = regexp.MustCompile(`time=([0-9.]+) ms`)

// labPinger is the fake Atlas API's measurement: the vantage host of the
// probe id pings the target from its lab namespace.
func labPinger(l *lab.Lab) atlastest.Pinger {
	return func(ctx context.Context, probeID int, target netip.Addr, n int) ([]float64, int, error) {
		i := probeID - 7001
		if i < 0 || i >= len(vantageHosts) {
			return nil, 0, fmt.Errorf("no probe %d", probeID)
		}
		out, err := labtest.TryExec(l, vantageHosts[i], 30*time.Second, "ping", "-n", "-c", strconv.Itoa(n), "-i", "0.2", "-W", "2", target.String())
		var rtts []float64
		for _, m := range pingTime.FindAllStringSubmatch(out, -1) {
			v, _ := strconv.ParseFloat(m[1], 64)
			rtts = append(rtts, v)
		}
		if len(rtts) == 0 && err != nil {
			return nil, n, nil // every packet lost
		}
		return rtts, n, nil
	}
}

// inboundLabSuite runs the rtt probe on both hosts and the inbound probe
// towards each host's lab address from every vantage point.
func inboundLabSuite(t *testing.T, l *lab.Lab) *suite.Suite {
	t.Helper()
	var b strings.Builder
	b.WriteString("suite: inbound-lab\nprovider: {name: lab}\nbudget: 3m\nconcurrency: 2\ntargets:\n")
	b.WriteString("  - {name: lux, kind: lab, host: lux/vm}\n  - {name: ash, kind: lab, host: ash/vm}\n")
	b.WriteString("probes:\n  - probe: rtt\n    timeout: 90s\n    params:\n      count: 10\n      interval: 20ms\n      landmarks:\n")
	for _, s := range l.Topology.Services {
		fmt.Fprintf(&b, "        - {name: %s, address: %s, lat: %v, lon: %v}\n", s.Name, s.Addrs[0], s.Location.Lat, s.Location.Lon)
	}
	vf := vantageFile(t, l)
	for _, h := range []string{"lux", "ash"} {
		a, err := l.Addr(h + "/vm")
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "  - probe: inbound\n    id: inbound-%s\n    targets: [%s]\n    timeout: 90s\n    params: {address: %s, packets: 5, poll_interval: 200ms, landmark_set: {file: %s, nearest: {to: Luxembourg, n: 7}}}\n",
			h, h, a, vf)
	}
	b.WriteString("claims:\n  - location.in: LU\n  - location.consistent: true\n  - location.inbound: {in: [LU]}\n")
	s, err := suite.Parse("inbound-lab.yaml", []byte(b.String()))
	if err != nil {
		t.Fatalf("suite: %v\n%s", err, b.String())
	}
	return s
}

// TestInboundInTheLab: a host in Ashburn forges its own round trips (its
// agent measures from Bissen), which alone place it in Luxembourg; round
// trips measured towards it from outside place it in the US, 6,000 km
// away, and location.consistent flags the disagreement. The honest host in
// Bissen shows two regions that agree.
func TestInboundInTheLab(t *testing.T) {
	l := labtest.Up(t, inboundLab)
	srv := atlastest.New("lab-key")
	defer srv.Close()
	srv.Ping = labPinger(l)
	srv.From = map[int]string{}
	for i, h := range vantageHosts {
		a, _ := l.Addr(h)
		srv.From[7001+i] = a.String()
	}
	c, err := atlas.New(srv.API(), atlas.NewKey("lab-key"), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	r := &run.Runner{AgentPath: forgingAgent(t, l), Labs: l, OutsideEnv: plan.Env{Atlas: c}}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep := r.Run(ctx, inboundLabSuite(t, l))
	if rep.Status != results.RunComplete {
		t.Fatalf("run %s: %+v", rep.Status, rep.Interruption)
	}
	checkTwoRegions(t, rep)
	want := map[string]map[string][]results.Status{
		// The forgery fools the host's own direction: Ashburn looks like Luxembourg.
		"location.in":         {"lux": {results.StatusPass, results.StatusInconclusive}, "ash": {results.StatusPass, results.StatusInconclusive}},
		"location.consistent": {"lux": {results.StatusPass}, "ash": {results.StatusFail}},
		"location.inbound":    {"lux": {results.StatusPass, results.StatusInconclusive}, "ash": {results.StatusFail}},
	}
	for _, v := range rep.Verdicts {
		t.Run(fmt.Sprintf("%s on %s", v.Claim, v.Target), func(t *testing.T) {
			t.Logf("%s: %s [%s]", v.Status, v.Reason, v.Figure)
			for _, s := range want[v.Claim][v.Target] {
				if v.Status == s {
					return
				}
			}
			t.Fatalf("status %s, want one of %v", v.Status, want[v.Claim][v.Target])
		})
	}
}

// checkTwoRegions checks that the report holds, for the forger, the region
// of its own (forged) round trips around Bissen and the region measured
// towards it around Ashburn, thousands of km apart.
func checkTwoRegions(t *testing.T, rep *results.Report) {
	t.Helper()
	own := probes.LocationOf(evidenceOf(t, rep, "ash/rtt").RTT.Landmarks, geo.ModeFibre)
	in := evidenceOf(t, rep, "ash/inbound-ash").Inbound
	if in == nil || in.Location == nil {
		t.Fatal("no inbound region for ash")
	}
	out := probes.LocationOf(in.Vantages, geo.ModeFibre)
	if own.RelateDisk(49.787, 6.068, 50) == geo.Outside || out.RelateDisk(39.04, -77.49, 50) == geo.Outside {
		t.Fatalf("own region %s (want around Bissen), outside region %s (want around Ashburn)", own, out)
	}
	if gap := own.GapKm(out); gap < 4000 {
		t.Fatalf("the two regions are %.0f km apart", gap)
	}
	t.Logf("ash: own %s; outside %s", own, out)
}
