package netem

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestRoundTripsTakeTwiceTheDelay(t *testing.T) {
	for _, d := range []time.Duration{500 * time.Microsecond, 5 * time.Millisecond, 50 * time.Millisecond} {
		t.Run(d.String()+" each way", func(t *testing.T) {
			l := startLab(t, Config{Delay: func(src, dst netip.Addr) time.Duration { return d }})
			tcp4 := netip.AddrPortFrom(l.b.addrs[0], 7001)
			tcp6 := netip.AddrPortFrom(l.b.addrs[2], 7001)
			tcpListen(t, l.b.ns, tcp4)
			tcpListen(t, l.b.ns, tcp6)
			udp4 := netip.AddrPortFrom(l.b.addrs[0], 7002)
			udp6 := netip.AddrPortFrom(l.b.addrs[2], 7002)
			udpEcho(t, l.b.ns, udp4)
			udpEcho(t, l.b.ns, udp6)
			c4 := socketIn(t, l.a.ns, unix.SOCK_DGRAM, netip.AddrPortFrom(l.a.addrs[0], 0))
			c6 := socketIn(t, l.a.ns, unix.SOCK_DGRAM, netip.AddrPortFrom(l.a.addrs[1], 0))
			probes := []struct {
				name string
				rtt  func() (time.Duration, error)
			}{
				{"TCP connect over IPv4", func() (time.Duration, error) { return connectRTT(t, l.a.ns, tcp4, 2*time.Second, nil) }},
				{"TCP connect over IPv6", func() (time.Duration, error) { return connectRTT(t, l.a.ns, tcp6, 2*time.Second, nil) }},
				{"UDP echo over IPv4", func() (time.Duration, error) { return udpRTT(c4, udp4, 2*time.Second) }},
				{"UDP echo over IPv6", func() (time.Duration, error) { return udpRTT(c6, udp6, 2*time.Second) }},
			}
			for _, p := range probes {
				t.Run(p.name, func(t *testing.T) {
					var rtts []time.Duration
					for range 7 {
						rtt, err := p.rtt()
						if err != nil {
							t.Fatal(err)
						}
						rtts = append(rtts, rtt)
					}
					slices.Sort(rtts)
					// The forwarder stamps a packet after it was sent, so a
					// round trip can never be shorter than 2×delay. The
					// upper bound is loose: the machine is shared.
					lo, hi := 2*d, 2*d+2*d/10+5*time.Millisecond
					if rtts[0] < lo || rtts[len(rtts)/2] > hi {
						t.Errorf("round trips %v: want min ≥ %v and median ≤ %v", rtts, lo, hi)
					}
				})
			}
		})
	}
}

func TestRoutesByLongestPrefix(t *testing.T) {
	l := startLab(t, Config{})
	tests := []struct {
		name string
		to   netip.Addr
		host host
		port int
	}{
		{"An IPv4 address in the /25 goes to the port owning the /25", l.c.addrs[0], l.c, 2},
		{"An IPv4 address outside the /25 goes to the port owning the /24", l.b.addrs[1], l.b, 1},
		{"An IPv4 host route goes to its port", l.b.addrs[0], l.b, 1},
		{"An IPv6 address in a /64 goes to the port owning it", l.c.addrs[1], l.c, 2},
		{"An IPv6 host route goes to its port", l.b.addrs[2], l.b, 1},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := netip.AddrPortFrom(tc.to, uint16(7100+i))
			udpEcho(t, tc.host.ns, dst)
			src := l.a.addrs[0]
			if tc.to.Is6() {
				src = l.a.addrs[1]
			}
			c := socketIn(t, l.a.ns, unix.SOCK_DGRAM, netip.AddrPortFrom(src, 0))
			before := l.r.Stats()
			if _, err := udpRTT(c, dst, 2*time.Second); err != nil {
				t.Fatal(err)
			}
			want := func(p int) uint64 {
				return map[bool]uint64{true: 1}[p == tc.port] + map[bool]uint64{true: 1}[p == 0]
			}
			// The echo can arrive while the forwarder's write is still
			// returning, before it counts the packet.
			var after Stats
			waitFor(func() bool {
				after = l.r.Stats()
				return after.Ports[0].TxPackets-before.Ports[0].TxPackets >= want(0)
			})
			for p := range after.Ports {
				got := after.Ports[p].TxPackets - before.Ports[p].TxPackets
				if want := want(p); got != want {
					t.Errorf("port %s forwarded %d packets, want %d", after.Ports[p].Name, got, want)
				}
			}
		})
	}
}

func TestUnknownDestinationsAreDroppedAndCounted(t *testing.T) {
	l := startLab(t, Config{})
	const n = 20
	tests := []struct {
		name string
		src  netip.Addr
		dst  netip.Addr
	}{
		{"An IPv4 lab address no port owns", l.a.addrs[0], netip.MustParseAddr("198.19.255.1")},
		{"An IPv6 lab address no port owns", l.a.addrs[1], netip.MustParseAddr("fd5b:ffff::1")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := socketIn(t, l.a.ns, unix.SOCK_DGRAM, netip.AddrPortFrom(tc.src, 0))
			before := l.r.Stats()
			for range n {
				if err := unix.Sendto(c, []byte("nobody home"), 0, sockaddr(netip.AddrPortFrom(tc.dst, 9))); err != nil {
					t.Fatal(err)
				}
			}
			if !waitFor(func() bool { return l.r.Stats().Drops.NoRoute-before.Drops.NoRoute >= n }) {
				t.Fatalf("no-route drops went from %d to %d, want +%d", before.Drops.NoRoute, l.r.Stats().Drops.NoRoute, n)
			}
			after := l.r.Stats()
			if got := after.Drops.NoRoute - before.Drops.NoRoute; got != n {
				t.Errorf("no-route drops: +%d, want +%d", got, n)
			}
			for p := range after.Ports {
				if after.Ports[p].TxPackets != before.Ports[p].TxPackets {
					t.Errorf("port %s forwarded %d packets, want none", after.Ports[p].Name, after.Ports[p].TxPackets-before.Ports[p].TxPackets)
				}
			}
		})
	}
}

func TestLossDropsTheConfiguredShare(t *testing.T) {
	for _, loss := range []float64{0, 0.1, 0.5} {
		t.Run(fmt.Sprintf("A loss of %.2f drops that share", loss), func(t *testing.T) {
			l := startLab(t, Config{Loss: loss, Seed: 7})
			c := socketIn(t, l.a.ns, unix.SOCK_DGRAM, netip.AddrPortFrom(l.a.addrs[0], 0))
			dst := sockaddr(netip.AddrPortFrom(l.b.addrs[0], 9))
			sent := uint64(0)
			for i := range 3000 {
				if unix.Sendto(c, []byte("count me"), 0, dst) == nil {
					sent++
				}
				if i%100 == 99 {
					drained(l.r, sent) // stay under the TUN's queue (500), also on a loaded machine
				}
			}
			// Every routed packet in this lab is one of ours, so the share is
			// lost / (lost + forwarded); a few may not even reach the
			// forwarder if the machine is busy (the TUN queue holds 500).
			var s Stats
			waitFor(func() bool {
				s = l.r.Stats()
				return s.Ports[1].TxPackets+s.Drops.Loss >= sent
			})
			routed := s.Ports[1].TxPackets + s.Drops.Loss
			if routed < sent*9/10 {
				t.Fatalf("sent %d, forwarded %d, lost %d: want at least 90%% forwarded or lost", sent, s.Ports[1].TxPackets, s.Drops.Loss)
			}
			got := float64(s.Drops.Loss) / float64(routed)
			if got < loss-0.04 || got > loss+0.04 {
				t.Errorf("lost %d of %d (%.3f), want %.2f ± 0.04", s.Drops.Loss, routed, got, loss)
			}
		})
	}
}

// drained waits until r has routed (forwarded or lost) every one of sent
// packets, or has routed none more for 5 ms (the rest never reached it), or
// 3 s have passed: a sender pacing itself by it stays under the TUN's
// queue however slowly the forwarder is scheduled.
func drained(r *Router, sent uint64) {
	routed := func() uint64 { s := r.Stats(); return s.Ports[1].TxPackets + s.Drops.Loss }
	last, still := routed(), 0
	for deadline := time.Now().Add(3 * time.Second); last < sent && still < 5 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
		if n := routed(); n == last {
			still++
		} else {
			last, still = n, 0
		}
	}
}

func TestCloseRemovesTheDevices(t *testing.T) {
	l := startLab(t, Config{})
	for _, h := range []host{l.a, l.b, l.c} {
		if !linkExists(h.ns, h.dev) {
			t.Fatalf("%s has no %s after Start", h.ns, h.dev)
		}
	}
	if err := l.r.Close(); err != nil {
		t.Fatalf("closing: %v", err)
	}
	for _, h := range []host{l.a, l.b, l.c} {
		if linkExists(h.ns, h.dev) {
			t.Errorf("%s still has %s after Close", h.ns, h.dev)
		}
	}
	if err := l.r.Close(); err != nil {
		t.Errorf("closing twice: %v", err)
	}
}

func TestCancellingTheContextCloses(t *testing.T) {
	requireLab(t)
	ns := newNS(t)
	ctx, cancel := context.WithCancel(context.Background())
	r, err := Start(ctx, Config{Ports: []Port{{Name: "x", Namespace: ns, Device: "ntx"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cancel()
	if !waitFor(func() bool { return !linkExists(ns, "ntx") }) {
		t.Errorf("%s still has ntx after cancel", ns)
	}
}

// linkExists reports whether namespace ns has a link named dev, which it
// checks from inside the namespace.
func linkExists(ns, dev string) bool {
	exists := false
	inNS(ns, func() error {
		s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(s)
		ifr, err := unix.NewIfreq(dev)
		if err != nil {
			return err
		}
		exists = unix.IoctlIfreq(s, unix.SIOCGIFFLAGS, ifr) == nil && ifr.Uint16()&unix.IFF_UP != 0
		return nil
	})
	return exists
}

func TestJitterSpreadsDelaysWithoutReordering(t *testing.T) {
	const d, jitter = 5 * time.Millisecond, 3 * time.Millisecond
	l := startLab(t, Config{Delay: func(src, dst netip.Addr) time.Duration { return d }, Jitter: jitter, Seed: 1})
	got := udpOneWay(t, l.a.ns, netip.AddrPortFrom(l.a.addrs[0], 0), l.b.ns, netip.AddrPortFrom(l.b.addrs[0], 7004), 300, d)
	if len(got) < 290 {
		t.Fatalf("%d of 300 datagrams arrived", len(got))
	}
	lo, hi := got[0].delay, got[0].delay
	for i, o := range got {
		if i > 0 && o.sent < got[i-1].sent {
			t.Fatalf("datagram sent at %d arrived after one sent at %d", o.sent, got[i-1].sent)
		}
		lo, hi = min(lo, o.delay), max(hi, o.delay)
	}
	// Jitter only adds (queueing): nothing may arrive sooner than d, and
	// the spread of 300 exponential draws of mean 3 ms must show.
	if lo < d || hi-lo < jitter {
		t.Errorf("delays from %v to %v, want ≥ %v and spread over ≥ %v", lo, hi, d, jitter)
	}
}

func TestRealtimeAppliesToEveryThread(t *testing.T) {
	l := startLab(t, Config{Realtime: 5})
	if !waitFor(func() bool { return l.r.Stats().RealtimeThreads == 4 }) {
		t.Errorf("%d threads run SCHED_FIFO, want 4 (3 readers and the scheduler)", l.r.Stats().RealtimeThreads)
	}
}

func TestAFullQueueDropsAndCounts(t *testing.T) {
	const limit = 10
	l := startLab(t, Config{Delay: func(src, dst netip.Addr) time.Duration { return time.Second }, QueuePackets: limit})
	c := socketIn(t, l.a.ns, unix.SOCK_DGRAM, netip.AddrPortFrom(l.a.addrs[0], 0))
	dst := sockaddr(netip.AddrPortFrom(l.b.addrs[0], 9))
	for range 50 {
		if err := unix.Sendto(c, []byte("queue me"), 0, dst); err != nil {
			t.Fatal(err)
		}
	}
	var s Stats
	if !waitFor(func() bool { s = l.r.Stats(); return s.Queued+int(s.Drops.QueueFull) >= 50 }) {
		t.Fatalf("queued %d, dropped %d as queue-full: want 50 in all", s.Queued, s.Drops.QueueFull)
	}
	if s.Queued != limit || s.Drops.QueueFull != 50-limit {
		t.Errorf("queued %d, dropped %d as queue-full: want %d and %d", s.Queued, s.Drops.QueueFull, limit, 50-limit)
	}
}

func TestAnswersAreForwardedWithoutWaitingForTheReader(t *testing.T) {
	l := startLab(t, Config{Delay: func(src, dst netip.Addr) time.Duration { return 200 * time.Microsecond }})
	t.Run("a SYN-ACK the kernel gives inside the forwarder's write", func(t *testing.T) {
		dst := netip.AddrPortFrom(l.b.addrs[0], 7101)
		tcpListen(t, l.b.ns, dst)
		before := l.r.Stats().Drained
		for range 5 {
			if _, err := connectRTT(t, l.a.ns, dst, 2*time.Second, nil); err != nil {
				t.Fatal(err)
			}
		}
		// Each connect's SYN-ACK waits on b's device when the write of
		// the SYN returns (its reader may take a few itself).
		if got := l.r.Stats().Drained - before; got < 3 {
			t.Errorf("%d packets drained after 5 connects, want at least 3", got)
		}
	})
	t.Run("a program answering inside the write (OnWrite)", func(t *testing.T) {
		dst := netip.AddrPortFrom(l.b.addrs[0], 7103)
		srv := socketIn(t, l.b.ns, unix.SOCK_DGRAM, dst)
		unix.SetNonblock(srv, true)
		var calls, answered atomic.Int64
		remove := l.r.Flusher(l.b.ns).OnWrite(func() { // no thread reads srv but this
			calls.Add(1)
			buf := make([]byte, 64)
			for {
				n, from, err := unix.Recvfrom(srv, buf, unix.MSG_DONTWAIT)
				if err != nil {
					return
				}
				if unix.Sendto(srv, buf[:n], unix.MSG_DONTWAIT, from) == nil {
					answered.Add(1)
				}
			}
		})
		c := socketIn(t, l.a.ns, unix.SOCK_DGRAM, netip.AddrPortFrom(l.a.addrs[0], 0))
		setTimeout(c, 2*time.Second)
		buf := make([]byte, 64)
		for i := range 10 {
			if err := unix.Sendto(c, []byte{byte(i)}, 0, sockaddr(dst)); err != nil {
				t.Fatal(err)
			}
			if n, _, err := recvfrom(c, buf); err != nil || n != 1 || buf[0] != byte(i) {
				t.Fatalf("echo %d: %d bytes %v, err %v (hook called %d times)", i, n, buf[:n], err, calls.Load())
			}
		}
		if answered.Load() != 10 {
			t.Errorf("the hook answered %d of 10", answered.Load())
		}
		remove()
		setTimeout(c, 300*time.Millisecond)
		unix.Sendto(c, []byte{99}, 0, sockaddr(dst))
		if n, _, err := recvfrom(c, buf); err == nil {
			t.Errorf("answered %v after the hook was removed", buf[:n])
		}
	})
	t.Run("a datagram sent by this process, handed over with a Flusher", func(t *testing.T) {
		if l.r.Flusher("no-such-namespace") != nil {
			t.Fatal("a Flusher for a namespace without a port")
		}
		dst := netip.AddrPortFrom(l.b.addrs[0], 7102)
		fd := socketIn(t, l.b.ns, unix.SOCK_DGRAM, dst)
		setTimeout(fd, 2*time.Second)
		fl := l.r.Flusher(l.b.ns)
		c := socketIn(t, l.a.ns, unix.SOCK_DGRAM, netip.AddrPortFrom(l.a.addrs[0], 0))
		buf := make([]byte, 64)
		// The port's reader, woken by the same send, may win the race
		// for an echo, so how many Flush takes depends on the machine;
		// it must take some, and every echo must arrive once, in order.
		flushed := 0
		for i := 0; i < 200 && (flushed < 3 || i < 10); i++ {
			if err := unix.Sendto(c, []byte{byte(i)}, 0, sockaddr(dst)); err != nil {
				t.Fatal(err)
			}
			n, from, err := recvfrom(fd, buf)
			if err != nil {
				t.Fatalf("echo server: %v", err)
			}
			if err := unix.Sendto(fd, buf[:n], 0, from); err != nil {
				t.Fatal(err)
			}
			if fl.Flush() > 0 { // the echo (and any packet the stack sent on its own)
				flushed++
			}
			setTimeout(c, 5*time.Second) // a loaded machine, not a slow forwarder
			if n, _, err := recvfrom(c, buf); err != nil || n != 1 || buf[0] != byte(i) {
				t.Fatalf("echo %d: %d bytes %v, err %v", i, n, buf[:max(n, 0)], err)
			}
		}
		if flushed < 3 {
			t.Errorf("Flush handed over %d echoes in 200, want some", flushed)
		}
	})
}
