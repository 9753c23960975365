package netem

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// nsPrefix names every namespace these tests create, followed by the pid of
// the test process, so stale ones from a crashed run can be told apart.
const nsPrefix = "netemt-"

// requireLab fails (CI=true) or skips the test unless it can build
// namespaces and TUN devices.
func requireLab(t testing.TB) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		missing = append(missing, "/dev/net/tun")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		missing = append(missing, "ip (iproute2)")
	}
	if len(missing) == 0 {
		return
	}
	msg := "netem lab tests need " + strings.Join(missing, ", ")
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

var (
	nsCount   atomic.Int64
	staleOnce sync.Once
)

// removeStale deletes namespaces left by test processes that no longer run.
func removeStale() {
	ents, _ := os.ReadDir("/run/netns")
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), nsPrefix)
		if !ok {
			continue
		}
		pid, err := strconv.Atoi(strings.SplitN(rest, "-", 2)[0])
		if err == nil && unix.Kill(pid, 0) == unix.ESRCH {
			exec.Command("ip", "netns", "del", e.Name()).Run()
		}
	}
}

// newNS creates a namespace with loopback up and removes it when the test
// ends, whether it passed or not.
func newNS(t testing.TB) string {
	t.Helper()
	staleOnce.Do(removeStale)
	name := fmt.Sprintf("%s%d-%d", nsPrefix, os.Getpid(), nsCount.Add(1))
	ip(t, "netns", "add", name)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	ip(t, "-n", name, "link", "set", "lo", "up")
	return name
}

// ip runs the ip command and fails the test if it fails.
func ip(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// host is one namespace of the test lab, with its port's addresses.
type host struct {
	ns    string
	dev   string
	addrs []netip.Addr   // assigned to dev
	owns  []netip.Prefix // the port's routes
}

// testLab is three namespaces a, b, c joined by a Router. b owns
// 198.18.1.0/24 and c the more specific 198.18.1.128/25.
type testLab struct {
	r       *Router
	a, b, c host
}

func mustPrefixes(s ...string) []netip.Prefix {
	var ps []netip.Prefix
	for _, x := range s {
		ps = append(ps, netip.MustParsePrefix(x))
	}
	return ps
}

func mustAddrs(s ...string) []netip.Addr {
	var as []netip.Addr
	for _, x := range s {
		as = append(as, netip.MustParseAddr(x))
	}
	return as
}

// startLab builds the three namespaces and starts a Router with cfg (whose
// Ports it fills in), then configures addresses and routes as the lab would.
func startLab(t testing.TB, cfg Config) *testLab {
	t.Helper()
	requireLab(t)
	l := &testLab{
		a: host{ns: newNS(t), dev: "nta", addrs: mustAddrs("198.18.0.1", "fd5b::1"),
			owns: mustPrefixes("198.18.0.1/32", "fd5b::1/128")},
		b: host{ns: newNS(t), dev: "ntb", addrs: mustAddrs("198.18.0.2", "198.18.1.1", "fd5b::2"),
			owns: mustPrefixes("198.18.0.2/32", "198.18.1.0/24", "fd5b::2/128")},
		c: host{ns: newNS(t), dev: "ntc", addrs: mustAddrs("198.18.1.200", "fd5b:0:0:1::200"),
			owns: mustPrefixes("198.18.1.128/25", "fd5b:0:0:1::/64")},
	}
	cfg.Ports = nil
	for i, h := range []host{l.a, l.b, l.c} {
		cfg.Ports = append(cfg.Ports, Port{Name: string(rune('a' + i)), Namespace: h.ns, Device: h.dev, Routes: h.owns})
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	r, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("starting router: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	l.r = r
	for _, h := range []host{l.a, l.b, l.c} {
		for _, a := range h.addrs {
			if a.Is4() {
				ip(t, "-n", h.ns, "addr", "add", a.String()+"/32", "dev", h.dev)
			} else {
				ip(t, "-n", h.ns, "addr", "add", a.String()+"/128", "dev", h.dev, "nodad")
			}
		}
		// The whole lab prefix goes to the forwarder, so unknown lab
		// destinations reach it too (and are dropped there).
		ip(t, "-n", h.ns, "route", "add", "198.18.0.0/15", "dev", h.dev)
		ip(t, "-n", h.ns, "route", "add", "fd5b::/16", "dev", h.dev)
	}
	return l
}

// inNS runs fn on a thread inside namespace ns.
func inNS(ns string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return
		}
		defer unix.Close(orig)
		target, err := unix.Open(nsPath(ns), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return
		}
		defer unix.Close(target)
		if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("entering %s: %w", ns, err)
			return
		}
		err = fn()
		if unix.Setns(orig, unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// sockaddr converts an address and port for the socket calls.
func sockaddr(ap netip.AddrPort) unix.Sockaddr {
	if ap.Addr().Is4() {
		return &unix.SockaddrInet4{Addr: ap.Addr().As4(), Port: int(ap.Port())}
	}
	return &unix.SockaddrInet6{Addr: ap.Addr().As16(), Port: int(ap.Port())}
}

func family(a netip.Addr) int {
	if a.Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// socketIn creates a socket in namespace ns, bound to bind.
// The descriptor is blocking and closed when the test ends.
func socketIn(t testing.TB, ns string, typ int, bind netip.AddrPort) int {
	t.Helper()
	fd := -1
	err := inNS(ns, func() error {
		var err error
		fd, err = unix.Socket(family(bind.Addr()), typ|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
		return unix.Bind(fd, sockaddr(bind))
	})
	if err != nil {
		t.Fatalf("creating socket in %s: %v", ns, err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// setTimeout bounds the socket's blocking receives.
func setTimeout(fd int, d time.Duration) {
	tv := unix.NsecToTimeval(int64(d))
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
}

// udpEcho answers every datagram on a socket bound to ap in ns until the test
// ends.
func udpEcho(t testing.TB, ns string, ap netip.AddrPort) {
	t.Helper()
	fd := socketIn(t, ns, unix.SOCK_DGRAM, ap)
	setTimeout(fd, 200*time.Millisecond)
	stop := make(chan struct{})
	done := make(chan struct{})
	t.Cleanup(func() { close(stop); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			select {
			case <-stop:
				return
			default:
			}
			n, from, err := unix.Recvfrom(fd, buf, 0)
			if err == nil {
				unix.Sendto(fd, buf[:n], 0, from)
			}
		}
	}()
}

// tcpListen accepts and closes connections on ap in ns until the test ends.
func tcpListen(t testing.TB, ns string, ap netip.AddrPort) {
	t.Helper()
	fd := socketIn(t, ns, unix.SOCK_STREAM, ap)
	if err := unix.Listen(fd, 1024); err != nil {
		t.Fatalf("listening on %s: %v", ap, err)
	}
	setTimeout(fd, 200*time.Millisecond)
	stop := make(chan struct{})
	done := make(chan struct{})
	t.Cleanup(func() { close(stop); <-done })
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if c, _, err := unix.Accept(fd); err == nil {
				unix.Close(c)
			}
		}
	}()
}

// connectRTT times a TCP handshake from namespace ns to dst: from connect(2)
// to the socket becoming writable. If kernelRTT is not nil it receives the
// kernel's own measurement of the handshake (TCP_INFO tcpi_rtt, µs), which
// leaves out how late this program woke up.
func connectRTT(t testing.TB, ns string, dst netip.AddrPort, timeout time.Duration, kernelRTT *time.Duration) (time.Duration, error) {
	t.Helper()
	fd := -1
	if err := inNS(ns, func() (err error) {
		fd, err = unix.Socket(family(dst.Addr()), unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
		return err
	}); err != nil {
		t.Fatalf("creating socket in %s: %v", ns, err)
	}
	defer unix.Close(fd)
	start := time.Now()
	if err := unix.Connect(fd, sockaddr(dst)); err != nil && !errors.Is(err, unix.EINPROGRESS) {
		return 0, fmt.Errorf("connecting to %s: %w", dst, err)
	}
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	for {
		n, err := unix.Poll(fds, int(timeout/time.Millisecond))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		rtt := time.Since(start)
		if err != nil || n == 0 {
			return 0, fmt.Errorf("connecting to %s: timed out (%v)", dst, err)
		}
		if soErr, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR); soErr != 0 {
			return 0, fmt.Errorf("connecting to %s: %w", dst, unix.Errno(soErr))
		}
		if kernelRTT != nil {
			info, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
			if err != nil {
				return 0, fmt.Errorf("reading TCP_INFO: %w", err)
			}
			*kernelRTT = time.Duration(info.Rtt) * time.Microsecond
		}
		return rtt, nil
	}
}

// udpRTT sends one datagram from fd (bound in some namespace) to dst and
// times the echo.
func udpRTT(fd int, dst netip.AddrPort, timeout time.Duration) (time.Duration, error) {
	setTimeout(fd, timeout)
	msg := make([]byte, 64)
	copy(msg, strconv.FormatInt(time.Now().UnixNano(), 10))
	buf := make([]byte, 2048)
	start := time.Now()
	if err := unix.Sendto(fd, msg, 0, sockaddr(dst)); err != nil {
		return 0, fmt.Errorf("sending to %s: %w", dst, err)
	}
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if errors.Is(err, unix.EINTR) {
			// The Go runtime's preemption signal interrupts raw syscalls.
			if time.Since(start) > timeout {
				return 0, fmt.Errorf("receiving from %s: timed out", dst)
			}
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("receiving from %s: %w", dst, err)
		}
		if string(buf[:n]) == string(msg) { // skip late echoes of earlier probes
			return time.Since(start), nil
		}
		if time.Since(start) > timeout {
			return 0, fmt.Errorf("receiving from %s: timed out", dst)
		}
	}
}

// recvfrom is a blocking unix.Recvfrom that goes on when the Go
// runtime's preemption signal interrupts it: a socket with SO_RCVTIMEO is
// not restarted after a signal, so the raw call returns EINTR under load.
// The socket's own timeout still bounds each wait.
func recvfrom(fd int, buf []byte) (int, unix.Sockaddr, error) {
	for {
		n, from, err := unix.Recvfrom(fd, buf, 0)
		if !errors.Is(err, unix.EINTR) {
			return n, from, err
		}
	}
}

// waitFor polls cond until it holds or 3 s have passed.
func waitFor(cond func() bool) bool {
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return cond()
}
