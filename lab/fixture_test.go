package lab_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/sovbench/sovbench/lab"
	"github.com/sovbench/sovbench/lab/labtest"
	"github.com/sovbench/sovbench/probes/host"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/run"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// A lab host with a fixture: shows it to the host probe run by its agent,
// found through the running lab's state as the CLI does; a host without one
// shows the real machine.
func TestLabHostsShowTheirFixtureToTheHostProbe(t *testing.T) {
	gce, err := filepath.Abs("../probes/host/testdata/hosts/gce")
	if err != nil {
		t.Fatal(err)
	}
	l := labtest.Up(t, fmt.Sprintf(`
lab: fixture
internet: {location: {lat: 50.11, lon: 8.68}}
providers:
  - name: acme
    location: {lat: 48.86, lon: 2.35}
    egress: {policy: none}
    hosts: [{name: vm, fixture: %q}, {name: plain}]
`, gce))
	s, err := suite.Parse("fixture.yaml", []byte(fmt.Sprintf(`suite: fixture
provider: {name: acme}
targets:
  - {name: vm, kind: lab, host: "%[1]s:acme/vm"}
  - {name: plain, kind: lab, host: "%[1]s:acme/plain"}
budget: 1m
probes:
  - {probe: host, timeout: 10s}
claims:
  - host.dmi_vendor_not_in: [Google]
`, l.State.Name)))
	if err != nil {
		t.Fatal(err)
	}
	r := &run.Runner{AgentPath: labtest.Binary(t), Labs: lab.Running{}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep := r.Run(ctx, s)
	if rep.Interruption != "" {
		t.Fatalf("run incomplete: %s", rep.Interruption)
	}
	// Both name the host's own file: a fixture stands for the host's root,
	// and its place on the lab machine never reaches a report. The
	// fixture note and the verdict below tell the two apart.
	want := map[string]string{"vm": "/proc/sys/kernel/osrelease", "plain": "/proc/sys/kernel/osrelease"}
	for _, ev := range rep.Evidence {
		if ev.Host == nil {
			t.Fatalf("%s: no host details (%v)", ev.ID, ev.Failure)
		}
		if src := ev.Host.Kernel.Source; src != want[ev.Target] {
			t.Errorf("%s read its kernel release from %q, want %q", ev.Target, src, want[ev.Target])
		}
		noted := slices.ContainsFunc(ev.Observations, func(o results.Observation) bool { return o.Note == host.FixtureNote })
		if noted != (ev.Target == "vm") {
			t.Errorf("%s: evidence notes %q: %v, want it only for the fixture host", ev.Target, host.FixtureNote, noted)
		}
	}
	for _, v := range rep.Verdicts {
		if v.Target == "vm" && v.Status != results.StatusFail {
			t.Errorf("the GCE fixture host: %s %s (%s), want fail", v.Claim, v.Status, v.Reason)
		}
	}
}
