//go:build linux

package egress

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// loopProbe is a probe whose destinations are plain connects to addrs.
func loopProbe(t *testing.T, timeout string, addrs ...string) (*egressProbe, *sweep) {
	t.Helper()
	params := fmt.Sprintf("attempt_timeout: %s\nrandom_ports: -1\ndestinations:\n", timeout)
	for _, a := range addrs {
		h, p := hostPort(t, a)
		params += fmt.Sprintf("  - {host: %q, port: %d, protocol: tcp}\n", h, p)
	}
	p, err := newEgress(yamlDecoder(params))
	if err != nil {
		t.Fatal(err)
	}
	e := p.(*egressProbe)
	e.limiter = rate.NewLimiter(rate.Inf, 1)
	for i := range e.specs.len() {
		if d := e.specs.at(i); !e.plainConnect(d) {
			t.Fatalf("%+v is not a plain connect", d)
		}
	}
	return e, newSweep(e.specs)
}

// The connect loop records what Go's dialer records: the same class,
// operation, reachability and error text, for an open port, a closed one
// and one whose SYNs are dropped.
func TestConnectLoopRecordsWhatTheDialerRecords(t *testing.T) {
	addrs := []string{openTCP(t, "127.0.0.1"), closedPort(t, "tcp"), fullBacklog(t), openTCP(t, "::1")}
	if !hasIPv6Loopback() {
		addrs = addrs[:3]
	}
	e, sw := loopProbe(t, "300ms", addrs...)
	rec := probes.Begin(e, probes.Target{Name: "t"})
	if err := e.connectLoop(context.Background(), rec, sw, []int32{0, 1, 2, 3}[:sw.Len()], func() {}); err != nil {
		t.Fatal(err)
	}
	out := sw.list()
	wantClass := []string{"ok", "refused", "timeout", "ok"}
	for i, addr := range addrs {
		at, _ := e.start(context.Background(), rec, results.MethodTCP, addr)
		dial := e.tcpConnect(at, addr)
		got := out[i]
		if !got.Tried || len(got.Attempts) != 1 || got.Addresses[0] != sw.specs.at(i).Host {
			t.Fatalf("%s: loop recorded %+v", addr, got)
		}
		a := got.Attempts[0]
		if a.Class != wantClass[i] || a.Class != dial.Class || a.Operation != dial.Operation || a.Reachable != dial.Reachable ||
			a.Address != dial.Address || a.Family != family(net.ParseIP(sw.specs.at(i).Host)) || fmt.Sprint(a.Failure) != fmt.Sprint(dial.Failure) {
			t.Errorf("%s: loop %+v (failure %v), dialer %+v (failure %v), want class %s", addr, a, a.Failure, dial, dial.Failure, wantClass[i])
		}
		if got.Reachable != a.Reachable || (a.Reachable && fmt.Sprint(got.Via) != "[tcp]") {
			t.Errorf("%s: destination reachable %v via %v, attempt %v", addr, got.Reachable, got.Via, a.Reachable)
		}
	}
}

// A run stopped while connects are in flight ends them as the dialer
// would (interrupted) and leaves the destinations not started untried.
func TestConnectLoopStopsWithTheRun(t *testing.T) {
	drop := fullBacklog(t)
	e, sw := loopProbe(t, "10s", drop, drop, drop)
	e.p.Concurrency = 2
	rec := probes.Begin(e, probes.Target{Name: "t"})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	ticks := 0
	if err := e.connectLoop(ctx, rec, sw, []int32{0, 1, 2}, func() { ticks++ }); err != nil {
		t.Fatal(err)
	}
	out := sw.list()
	for i := range 2 {
		if a := out[i].Attempts; !out[i].Tried || len(a) != 1 || a[0].Class != string(results.ClassInterrupted) {
			t.Errorf("destination %d in flight: %+v, want one interrupted attempt", i, out[i])
		}
	}
	if out[2].Tried || len(out[2].Attempts) > 0 || out[2].Host != sw.specs.at(2).Host {
		t.Errorf("destination not started: %+v, want untried", out[2])
	}
	if ticks != 3 {
		t.Errorf("progress counted %d destinations, want 3", ticks)
	}
}
