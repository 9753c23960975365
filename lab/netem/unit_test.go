package netem

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func ipv4(src, dst string) []byte {
	b := make([]byte, 20)
	b[0] = 0x45
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	copy(b[12:], s[:])
	copy(b[16:], d[:])
	return b
}

func ipv6(src, dst string) []byte {
	b := make([]byte, 40)
	b[0] = 0x60
	s, d := netip.MustParseAddr(src).As16(), netip.MustParseAddr(dst).As16()
	copy(b[8:], s[:])
	copy(b[24:], d[:])
	return b
}

func TestAddrs(t *testing.T) {
	tests := []struct {
		name     string
		pkt      []byte
		src, dst string // empty: not a packet
	}{
		{"An IPv4 header gives its addresses", ipv4("198.18.0.1", "198.18.1.200"), "198.18.0.1", "198.18.1.200"},
		{"An IPv6 header gives its addresses", ipv6("fd5b::1", "fd5b:0:0:1::200"), "fd5b::1", "fd5b:0:0:1::200"},
		{"A truncated IPv4 header is malformed", ipv4("1.2.3.4", "5.6.7.8")[:19], "", ""},
		{"A truncated IPv6 header is malformed", ipv6("::1", "::2")[:39], "", ""},
		{"Another IP version is malformed", []byte{0x50, 0, 0, 0}, "", ""},
		{"An empty read is malformed", nil, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src, dst, ok := addrs(tc.pkt)
			if ok != (tc.src != "") {
				t.Fatalf("ok = %v", ok)
			}
			if ok && (src.String() != tc.src || dst.String() != tc.dst) {
				t.Errorf("got %s -> %s, want %s -> %s", src, dst, tc.src, tc.dst)
			}
		})
	}
}

func FuzzAddrs(f *testing.F) {
	f.Add(ipv4("198.18.0.1", "198.18.0.2"))
	f.Add(ipv6("fd5b::1", "fd5b::2"))
	f.Add([]byte{0x45})
	f.Fuzz(func(t *testing.T, b []byte) {
		src, dst, ok := addrs(b)
		if ok && (src.BitLen() != dst.BitLen() || (src.Is4() != (b[0]>>4 == 4))) {
			t.Errorf("%x: src %s dst %s", b, src, dst)
		}
	})
}

func TestTableLookup(t *testing.T) {
	tab, err := newTable([]Port{
		{Routes: mustPrefixes("198.18.0.0/15", "fd5b::/16")},
		{Routes: mustPrefixes("198.18.1.0/24")},
		{Routes: mustPrefixes("198.18.1.128/25", "fd5b:0:0:1::/64")},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		dst  string
		port int
	}{
		{"The longest IPv4 prefix wins", "198.18.1.200", 2},
		{"A shorter IPv4 prefix catches the rest of its range", "198.18.1.1", 1},
		{"The widest IPv4 prefix catches everything else in it", "198.19.0.1", 0},
		{"An IPv4 address outside every prefix has no port", "10.0.0.1", -1},
		{"The longest IPv6 prefix wins", "fd5b:0:0:1::1", 2},
		{"A shorter IPv6 prefix catches the rest", "fd5b:1::1", 0},
		{"An IPv6 address outside every prefix has no port", "2001:db8::1", -1},
		{"An IPv4-mapped IPv6 address does not match IPv4 prefixes", "::ffff:198.18.1.200", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tab.lookup(netip.MustParseAddr(tc.dst)); got != tc.port {
				t.Errorf("lookup(%s) = %d, want %d", tc.dst, got, tc.port)
			}
		})
	}
}

func TestStartRejectsBadConfig(t *testing.T) {
	ok := Port{Name: "a", Namespace: "ns-a", Device: "tun0"}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"No ports", Config{}, "netem config: ports: none given"},
		{"A port without a name", Config{Ports: []Port{{Namespace: "x", Device: "d"}}}, "netem config: ports[0].name: empty"},
		{"A port without a namespace", Config{Ports: []Port{{Name: "x", Device: "d"}}}, "netem config: ports[0].namespace: empty"},
		{"A device name too long for Linux", Config{Ports: []Port{{Name: "x", Namespace: "n", Device: "sixteen-chars-xx"}}},
			`netem config: ports[0].device: "sixteen-chars-xx" is not a device name (1-15 bytes)`},
		{"Two ports with one name", Config{Ports: []Port{ok, {Name: "a", Namespace: "n", Device: "d"}}},
			`netem config: ports[1].name: "a" already used by ports[0]`},
		{"Two ports with one device", Config{Ports: []Port{ok, {Name: "b", Namespace: "ns-a", Device: "tun0"}}},
			"netem config: ports[1].device: tun0 in ns-a already used by ports[0]"},
		{"A prefix with host bits", Config{Ports: []Port{{Name: "a", Namespace: "n", Device: "d", Routes: mustPrefixes("198.18.0.1/24")}}},
			"netem config: ports[0].routes[0]: 198.18.0.1/24 has host bits set (want 198.18.0.0/24)"},
		{"One prefix on two ports", Config{Ports: []Port{
			{Name: "a", Namespace: "n", Device: "d", Routes: mustPrefixes("198.18.0.0/24")},
			{Name: "b", Namespace: "n", Device: "e", Routes: mustPrefixes("198.18.0.0/24")}}},
			"netem config: ports[1].routes[0]: 198.18.0.0/24 already routed to ports[0]"},
		{"A loss above one", Config{Ports: []Port{ok}, Loss: 1.5}, "netem config: loss: 1.5 is not in [0, 1]"},
		{"A negative jitter", Config{Ports: []Port{ok}, Jitter: -time.Millisecond}, "netem config: jitter: -1ms is negative"},
		{"A priority above 99", Config{Ports: []Port{ok}, Realtime: 100}, "netem config: realtime: 100 is not a SCHED_FIFO priority (1-99)"},
		{"A namespace that does not exist", Config{Ports: []Port{{Name: "a", Namespace: "netemt-does-not-exist", Device: "d"}}},
			"starting port a: opening network namespace netemt-does-not-exist: no such file or directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Start(context.Background(), tc.cfg)
			if err == nil {
				r.Close()
				t.Fatalf("Start succeeded, want %q", tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("error %q, want %q", err, tc.want)
			}
		})
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h liveHist
	for i := range 100 {
		h.add(time.Duration(i) * time.Microsecond)
	}
	h.add(time.Second) // lands in the last bucket
	s := h.snapshot()
	tests := []struct {
		name string
		q    float64
		want time.Duration
	}{
		{"The median is the middle value", 0.5, 50 * time.Microsecond},
		{"The minimum is the first bucket", 0, 0},
		{"Values past the range count as the range's end", 1, (histBuckets - 1) * time.Microsecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := s.Quantile(tc.q); got != tc.want {
				t.Errorf("Quantile(%v) = %v, want %v", tc.q, got, tc.want)
			}
		})
	}
	if s.Max != time.Second || s.Total != 101 {
		t.Errorf("max %v total %d, want 1s and 101", s.Max, s.Total)
	}
	if d := s.Sub(s); d.Total != 0 || d.Quantile(0.5) != 0 {
		t.Errorf("a histogram minus itself holds %d values", d.Total)
	}
}

func TestSpinnerFollowsOversleep(t *testing.T) {
	tests := []struct {
		name  string
		fixed time.Duration
		over  time.Duration
		want  time.Duration
	}{
		{"A fixed window never changes", 300 * time.Microsecond, 5 * time.Millisecond, 300 * time.Microsecond},
		{"Punctual sleeps shrink the window to its floor", 0, time.Microsecond, minSpin},
		{"Late sleeps widen the window past their lateness", 0, 400 * time.Microsecond, 520 * time.Microsecond},
		{"Very late sleeps stop at the ceiling", 0, 5 * time.Millisecond, maxSpin},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSpinner(tc.fixed)
			for range 256 {
				s.observe(tc.over)
			}
			if got := s.window(); got != tc.want {
				t.Errorf("window %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLinkScoped(t *testing.T) {
	for _, a := range []string{"ff02::2", "fe80::1", "224.0.0.22", "255.255.255.255", "169.254.1.1"} {
		if !linkScoped(netip.MustParseAddr(a)) {
			t.Errorf("%s is not link-scoped", a)
		}
	}
	for _, a := range []string{"198.18.0.1", "fd5b::1"} {
		if linkScoped(netip.MustParseAddr(a)) {
			t.Errorf("%s is link-scoped", a)
		}
	}
}

// The queue lock excludes, and a contended one lets garbage collection stop
// the world: waiters that looped in raw system calls once held up the stop
// (and with it the holder) for minutes.
func TestSpinLockExcludesAndLetsTheWorldStop(t *testing.T) {
	var (
		l       spinLock
		n       int
		wg      sync.WaitGroup
		done    = make(chan struct{})
		gcs     atomic.Int64
		workers = 8
	)
	go func() {
		for {
			select {
			case <-done:
				return
			default:
				runtime.GC()
				gcs.Add(1)
			}
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread() // as the forwarder's threads, real-time if allowed
			defer runtime.UnlockOSThread()
			if os.Geteuid() == 0 {
				unix.SchedSetAttr(0, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_FIFO, Priority: 1}, 0)
				defer unix.SchedSetAttr(0, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: 0}, 0) // SCHED_OTHER
			}
			for range 20000 {
				l.Lock()
				n++
				if n%1000 == 0 {
					time.Sleep(50 * time.Microsecond) // a holder that blocks: waiters go to sleep
				}
				l.Unlock()
			}
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(30 * time.Second):
		t.Fatalf("contended lock not through after 30 s (%d of %d increments, %d collections)", n, workers*20000, gcs.Load())
	}
	close(done)
	if n != workers*20000 {
		t.Fatalf("counter %d, want %d: the lock let two holders in", n, workers*20000)
	}
	if gcs.Load() == 0 {
		t.Error("no garbage collection completed while the lock was contended")
	}
	if l.state.Load() != 0 {
		t.Errorf("lock state %d after the last unlock, want 0", l.state.Load())
	}
}

// Jitter is queueing: never negative, exponential with the configured
// mean, and the same stream for the same seed.
func TestJitterDelayOnlyAdds(t *testing.T) {
	const mean, n = 2 * time.Millisecond, 20000
	a, b := rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(1, 2))
	var sum time.Duration
	below := 0
	for range n {
		d := JitterDelay(a, mean)
		if d < 0 {
			t.Fatalf("jitter %s is negative", d)
		}
		if d != JitterDelay(b, mean) {
			t.Fatal("the same seed gave another draw")
		}
		if d < mean {
			below++
		}
		sum += d
	}
	// Exponential: the mean within 3 %, P(X < mean) = 1 - 1/e ≈ 0.632.
	if got := sum / n; got < mean*97/100 || got > mean*103/100 {
		t.Errorf("mean %s, want %s", got, mean)
	}
	if p := float64(below) / n; p < 0.61 || p > 0.655 {
		t.Errorf("P(jitter < mean) = %.3f, want ≈ 0.632", p)
	}
	if JitterDelay(a, 0) != 0 || JitterDelay(a, -time.Second) != 0 {
		t.Error("no jitter configured still added delay")
	}
}
