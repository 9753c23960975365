package lab_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/sovbench/sovbench/lab"
	"github.com/sovbench/sovbench/lab/labtest"
	"github.com/sovbench/sovbench/scenarios/run"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// A suite names lab targets by host; the runner finds their namespaces and
// runs the agent inside them, and the sink sees the leaky host's probe.
func TestSuitesRunOnLabHostsNamedByHost(t *testing.T) {
	l := labtest.Up(t, policyLab)
	sink, _ := l.Addr("sink")
	src := fmt.Sprintf(`suite: lab-hosts
provider: {name: acme}
targets:
  - {name: dark, kind: lab, host: "%[1]s:acme/dark"}
  - {name: leaky, kind: lab, host: "%[1]s:acme/leaky"}
budget: 1m
probes:
  - probe: egress
    timeout: 30s
    params:
      destinations: [{host: "%[2]s", port: 9000, protocol: tcp}]
claims:
  - egress.disconnected: true
`, l.State.Name, sink)
	s, err := suite.Parse("lab-hosts.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r := &run.Runner{AgentPath: labtest.Binary(t), Labs: lab.Running{}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep := r.Run(ctx, s)
	if rep.Interruption != "" {
		t.Fatalf("run incomplete: %s", rep.Interruption)
	}
	for _, ev := range rep.Evidence {
		if ev.Failure != nil {
			t.Errorf("evidence %s failed as a whole: %v", ev.ID, ev.Failure)
		}
	}
	leaky, _ := l.Addr("acme/leaky")
	dark, _ := l.Addr("acme/dark")
	from := map[netip.Addr]int{}
	for _, a := range l.Arrivals("sink") {
		if ap, err := netip.ParseAddrPort(a.Peer); err == nil {
			from[ap.Addr()]++
		}
	}
	if from[leaky] == 0 || from[dark] != 0 {
		t.Errorf("sink arrivals by source %v: want the leaky host %s and never the dark one %s", from, leaky, dark)
	}
}

func TestRunningLabsFindOnlyRunningLabs(t *testing.T) {
	l := labtest.Up(t, policyLab)
	cases := []struct {
		name, spec string
		want       string
		ok         bool
	}{
		{"a named lab's host resolves to its namespace", l.State.Name + ":acme/leaky", labtest.Namespace(t, l, "acme/leaky"), true},
		{"an unknown host is an error", l.State.Name + ":acme/nope", "", false},
		{"an unknown lab is an error", "no-such-lab:acme/leaky", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := lab.Running{}.LabHost(c.spec)
			if got := h.Namespace; (err == nil) != c.ok || got != c.want {
				t.Errorf("Running.LabHost(%q) = %q, %v; want %q (ok %v)", c.spec, got, err, c.want, c.ok)
			}
		})
	}
}
