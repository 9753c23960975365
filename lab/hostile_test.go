package lab

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

const hostileFile = `
lab: hx
internet: {location: {lat: 50.11, lon: 8.68}}
providers:
  - {name: slow, location: {lat: 39.04, lon: -77.49}, egress: {policy: open}, delay: {add: 40ms, to: [lm-newyork]}, hosts: [{name: vm}]}
  - {name: honest, location: {lat: 39.04, lon: -77.49}, egress: {policy: open}, hosts: [{name: vm}]}
  - {name: forge, location: {lat: 50.11, lon: 8.68}, egress: {policy: open}, hosts: [{name: vm}]}
services:
  - {name: lm-paris, kind: landmark, at: internet, location: {lat: 48.86, lon: 2.35}}
  - {name: lm-newyork, kind: landmark, at: internet, location: {lat: 40.71, lon: -74.01}}
  - {name: fake-paris, kind: landmark, at: forge/vm, impersonates: lm-paris}
`

// A provider's added delay applies, each way, between its own addresses
// and the destinations it names, and to nobody else; an impersonating
// service holds the real one's addresses privately on its host, and the
// forwarder keeps placing those addresses at the real service.
func TestHostileProvidersAddDelayAndImpersonate(t *testing.T) {
	topo, err := Parse("hx.yaml", []byte(hostileFile))
	if err != nil {
		t.Fatal(err)
	}
	delay := forwarderConfig(topo, nsConfigs(topo)).Delay
	addr := func(name string) netip.Addr {
		a, err := topo.Addrs(name)
		if err != nil {
			t.Fatal(err)
		}
		return a[0]
	}
	slow, honest, forge := addr("slow/vm"), addr("honest/vm"), addr("forge/vm")
	ny, paris := addr("lm-newyork"), addr("lm-paris")
	if got, want := delay(slow, ny)-delay(honest, ny), 40*time.Millisecond; got != want {
		t.Errorf("slow → New York is %s above the honest twin, want %s", got, want)
	}
	if got := delay(ny, slow) - delay(ny, honest); got != 40*time.Millisecond {
		t.Errorf("New York → slow is %s above the honest twin, want 40ms", got)
	}
	if delay(slow, paris) != delay(honest, paris) {
		t.Errorf("slow → Paris %s, honest %s: the delay is only towards New York", delay(slow, paris), delay(honest, paris))
	}
	fake, err := topo.Service("fake-paris")
	if err != nil {
		t.Fatal(err)
	}
	real, _ := topo.Service("lm-paris")
	if !fake.Local || fake.Impersonates != "lm-paris" || !slices.Equal(fake.Addrs, real.Addrs) {
		t.Fatalf("fake-paris: %+v", fake)
	}
	if d := delay(forge, paris); d < 2*time.Millisecond {
		t.Errorf("the forwarder places lm-paris's address at the forging host (%s from it)", d)
	}
}
