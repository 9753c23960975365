package lab_test

import (
	"context"
	"errors"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/sovbench/sovbench/lab"
	"github.com/sovbench/sovbench/lab/labtest"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// policyLab has one host per egress policy, a provider-internal landmark
// (the positive control every host must reach), an internet sink and
// landmarks at four distances from the hosts in Luxembourg.
const policyLab = `
lab: policies
internet: {location: {lat: 50.11, lon: 8.68}}
providers:
  - name: acme
    operator: Acme SA
    country: LU
    location: {lat: 49.61, lon: 6.13}
    egress: {policy: none}
    hosts:
      - name: dark
      - name: rej
        egress: {policy: reject}
      - name: drp
        egress: {policy: drop}
      - name: alw
        egress: {policy: allow, allow: [{to: sink, proto: tcp, ports: [80]}]}
      - name: prx
        egress: {policy: proxy_only, proxy: "sink:8080"}
      - name: leaky
        egress: {policy: open}
      - name: gw
services:
  - {name: inside, kind: landmark, at: acme/gw, params: {tcp: [7], udp: [7]}}
  - {name: sink, kind: sink, at: internet, params: {tcp: [80, 8080, 9000], udp: [53]}}
  - {name: lm-brussels, kind: landmark, at: internet, location: {lat: 50.85, lon: 4.35}}
  - {name: lm-madrid, kind: landmark, at: internet, location: {lat: 40.42, lon: -3.70}}
  - {name: lm-newyork, kind: landmark, at: internet, location: {lat: 40.71, lon: -74.01}}
  - {name: lm-tokyo, kind: landmark, at: internet, location: {lat: 35.68, lon: 139.69}}
`

// connect dials addr from host's namespace and returns the failure class
// ("" for success) the way probes record it.
func connect(t *testing.T, l *lab.Lab, host, network, addr string, timeout time.Duration) results.FailureClass {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := lab.Dial(ctx, labtest.Namespace(t, l, host), network, addr)
	if err != nil {
		return probes.ClassOf(err)
	}
	c.Close()
	return ""
}

func TestEgressPoliciesGiveTheirClassOfFailure(t *testing.T) {
	l := labtest.Up(t, policyLab)
	sink := addrPort(t, l, "sink", 9000)
	cases := []struct {
		name string
		host string
		addr string
		want results.FailureClass
	}{
		{"the disconnected host has no route to the internet", "acme/dark", sink, results.ClassUnreachable},
		{"the disconnected host reaches its own provider", "acme/dark", addrPort(t, l, "inside", 7), ""},
		{"the reject host gets a reset", "acme/rej", sink, results.ClassRefused},
		{"the reject host reaches its own provider", "acme/rej", addrPort(t, l, "inside", 7), ""},
		{"the drop host times out", "acme/drp", sink, results.ClassTimeout},
		{"the drop host reaches its own provider", "acme/drp", addrPort(t, l, "inside", 7), ""},
		{"the allow host reaches the allowed port", "acme/alw", addrPort(t, l, "sink", 80), ""},
		{"the allow host is refused another port", "acme/alw", sink, results.ClassRefused},
		{"the proxy host reaches the proxy", "acme/prx", addrPort(t, l, "sink", 8080), ""},
		{"the proxy host is refused anything else", "acme/prx", sink, results.ClassRefused},
		{"the leaky host reaches the internet", "acme/leaky", sink, ""},
		{"the leaky host reaches the internet over IPv6", "acme/leaky", addrPort6(t, l, "sink", 9000), ""},
		{"even the leaky host has no route out of the lab", "acme/leaky", "192.0.2.1:80", results.ClassUnreachable},
		{"nor over IPv6", "acme/leaky", "[2001:db8::1]:80", results.ClassUnreachable},
		{"the disconnected host has no IPv6 route either", "acme/dark", addrPort6(t, l, "sink", 9000), results.ClassUnreachable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := connect(t, l, c.host, "tcp", c.addr, 2*time.Second); got != c.want {
				t.Errorf("connect %s from %s: class %q, want %q", c.addr, c.host, got, c.want)
			}
		})
	}
}

func TestTheSinkRecordsTheLeakAndOnlyTheLeak(t *testing.T) {
	l := labtest.Up(t, policyLab)
	for _, host := range []string{"acme/dark", "acme/rej", "acme/drp", "acme/alw", "acme/prx"} {
		connect(t, l, host, "tcp", addrPort(t, l, "sink", 9000), 500*time.Millisecond)
	}
	ns := labtest.Namespace(t, l, "acme/leaky")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := lab.Dial(ctx, ns, "tcp", addrPort(t, l, "sink", 9000))
	if err != nil {
		t.Fatalf("leaky host to sink: %v", err)
	}
	c.SetDeadline(time.Now().Add(2 * time.Second))
	c.Write([]byte("secret-customer-data"))
	echo := make([]byte, 64)
	n, err := c.Read(echo)
	c.Close()
	if err != nil || string(echo[:n]) != "secret-customer-data" {
		t.Fatalf("sink echo: %q, %v", echo[:n], err)
	}
	leaky, _ := l.Addr("acme/leaky")
	var got []lab.Arrival
	for _, a := range l.Arrivals("sink") {
		if a.Proto == "tcp" {
			got = append(got, a)
		}
	}
	if len(got) != 1 {
		t.Fatalf("sink recorded %d TCP arrivals, want exactly the leaky one: %+v", len(got), got)
	}
	if peer, _ := netip.ParseAddrPort(got[0].Peer); peer.Addr() != leaky || got[0].Payload != "secret-customer-data" {
		t.Errorf("arrival %+v: want peer %s with the payload", got[0], leaky)
	}
}

func TestUDPFromTheDropHostVanishesSilently(t *testing.T) {
	l := labtest.Up(t, policyLab)
	for _, c := range []struct {
		name    string
		host    string
		wantErr error // from the send
		arrives bool
	}{
		{"the leaky host's datagram arrives", "acme/leaky", nil, true},
		{"the drop host's send succeeds and the datagram is lost", "acme/drp", nil, false},
		{"the disconnected host cannot send at all", "acme/dark", syscall.ENETUNREACH, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(l.Arrivals("sink"))
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			conn, err := lab.Dial(ctx, labtest.Namespace(t, l, c.host), "udp", addrPort(t, l, "sink", 53))
			if err == nil {
				_, err = conn.Write([]byte("udp-" + c.host))
				if err == nil && c.arrives {
					conn.SetReadDeadline(time.Now().Add(2 * time.Second))
					_, err = conn.Read(make([]byte, 64))
				}
				conn.Close()
			}
			if !errors.Is(err, c.wantErr) && !(c.wantErr == nil && err == nil) {
				t.Fatalf("send: %v, want %v", err, c.wantErr)
			}
			time.Sleep(200 * time.Millisecond)
			if got := len(l.Arrivals("sink")) > before; got != c.arrives {
				t.Errorf("arrived %v, want %v", got, c.arrives)
			}
		})
	}
}

func addrPort(t *testing.T, l *lab.Lab, name string, port uint16) string {
	t.Helper()
	a, err := l.Addr(name)
	if err != nil {
		t.Fatal(err)
	}
	return netip.AddrPortFrom(a, port).String()
}

func addrPort6(t *testing.T, l *lab.Lab, name string, port uint16) string {
	t.Helper()
	a, err := l.Addr(name)
	if err != nil {
		t.Fatal(err)
	}
	return netip.AddrPortFrom(lab.V6Of(a), port).String()
}
