package rtt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"time"

	"github.com/sovbench/sovbench/probes"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
)

// A sampler takes one round-trip sample at a time. Samplers use plain
// non-blocking sockets and poll(2) rather than Go's network poller: the
// clock is read right before the packet leaves and right after poll
// returns, so no goroutine wake-up sits inside a sample. Times come from
// the monotonic clock, refined by the kernel's own timing where it has one
// (TCP_INFO's handshake RTT; SO_TIMESTAMPNS arrival times for UDP and ICMP,
// as iputils ping uses), which leaves this thread's wake-up latency out.
// A kernel time is used only when it is shorter than the monotonic one.
type sampler interface {
	Sample(ctx context.Context, seq int) (time.Duration, error)
	Close() error
}

func newSampler(method, addr string, timeout time.Duration) (sampler, error) {
	switch method {
	case "tcp":
		ap, err := netip.ParseAddrPort(addr)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", addr, err)
		}
		return &tcpSampler{to: ap, timeout: timeout}, nil
	case "udp":
		ap, err := netip.ParseAddrPort(addr)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", addr, err)
		}
		return newUDPSampler(ap, timeout)
	case "icmp":
		ip, err := netip.ParseAddr(addr)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", addr, err)
		}
		return newICMPSampler(ip, timeout)
	}
	return nil, fmt.Errorf("unknown method %q", method)
}

func sockaddr(ap netip.AddrPort) (int, unix.Sockaddr) {
	if a := ap.Addr().Unmap(); a.Is4() {
		return unix.AF_INET, &unix.SockaddrInet4{Addr: a.As4(), Port: int(ap.Port())}
	}
	return unix.AF_INET6, &unix.SockaddrInet6{Addr: ap.Addr().As16(), Port: int(ap.Port())}
}

// waitFor polls fd for events until deadline or ctx ends, in slices short
// enough to notice cancellation.
func waitFor(ctx context.Context, fd int, events int16, deadline time.Time) error {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: events}}
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return os.ErrDeadlineExceeded
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		ms := int(min(left, 50*time.Millisecond)/time.Millisecond) + 1
		n, err := unix.Poll(pfd, ms)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("polling: %w", err)
		}
		if n > 0 {
			return nil
		}
	}
}

func (s *tcpSampler) deadline(ctx context.Context) time.Time {
	return sampleDeadline(ctx, s.timeout)
}

func sampleDeadline(ctx context.Context, timeout time.Duration) time.Time {
	dl := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		return d
	}
	return dl
}

// tcpSampler measures TCP connect: SYN out to SYN-ACK in.
type tcpSampler struct {
	to      netip.AddrPort
	timeout time.Duration
}

func (s *tcpSampler) Close() error { return nil }

func (s *tcpSampler) Sample(ctx context.Context, _ int) (time.Duration, error) {
	fd, t0, err := connectFD(ctx, s.to, s.deadline(ctx))
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	rtt := time.Since(t0)
	// The kernel timed the handshake itself (its first RTT sample, in µs):
	// prefer it, as it leaves out this thread's wake-up after poll.
	if ti, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO); err == nil {
		return probes.KernelOr(time.Duration(ti.Rtt)*time.Microsecond, rtt), nil
	}
	return rtt, nil
}

// dgramSampler sends one datagram per sample on a connected socket and
// waits for the matching answer; stale answers to earlier samples are
// skipped.
type dgramSampler struct {
	fd      int
	timeout time.Duration
	nonce   uint32
	request func(seq int, nonce uint32) []byte
	matches func(b []byte, seq int, nonce uint32) bool
}

func (s *dgramSampler) Close() error { return unix.Close(s.fd) }

func (s *dgramSampler) Sample(ctx context.Context, seq int) (time.Duration, error) {
	msg := s.request(seq, s.nonce)
	dl := sampleDeadline(ctx, s.timeout)
	buf := make([]byte, 2048)
	oob := make([]byte, 128)
	t0 := time.Now()
	if _, err := unix.Write(s.fd, msg); err != nil {
		return 0, os.NewSyscallError("write", err)
	}
	for {
		if err := waitFor(ctx, s.fd, unix.POLLIN, dl); err != nil {
			return 0, err
		}
		t1 := time.Now()
		n, oobn, _, _, err := unix.Recvmsg(s.fd, buf, oob, 0)
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 0, os.NewSyscallError("read", err)
		}
		if s.matches(buf[:n], seq, s.nonce) {
			mono := t1.Sub(t0)
			if rx, ok := rxTimestamp(oob[:oobn]); ok {
				// As ping does: the kernel's arrival time (wall clock)
				// minus the wall time the request left.
				return probes.KernelOr(rx.Sub(t0.Round(0)), mono), nil
			}
			return mono, nil
		}
	}
}

// rxTimestamp extracts the SO_TIMESTAMPNS arrival time of a datagram.
func rxTimestamp(oob []byte) (time.Time, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return time.Time{}, false
	}
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPNS && len(m.Data) >= 16 {
			sec := int64(binary.NativeEndian.Uint64(m.Data[0:8]))
			nsec := int64(binary.NativeEndian.Uint64(m.Data[8:16]))
			return time.Unix(sec, nsec), true
		}
	}
	return time.Time{}, false
}

func dgramSocket(ap netip.AddrPort, typ, proto int) (int, error) {
	family, sa := sockaddr(ap)
	fd, err := unix.Socket(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if err := unix.Connect(fd, sa); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("connect", err)
	}
	// Arrival times from the kernel; without them samples stay monotonic.
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	return fd, nil
}

func newUDPSampler(ap netip.AddrPort, timeout time.Duration) (sampler, error) {
	fd, err := dgramSocket(ap, unix.SOCK_DGRAM, 0)
	if err != nil {
		return nil, err
	}
	payload := func(seq int, nonce uint32) []byte {
		b := []byte("sovbench-rtt ........")
		binary.BigEndian.PutUint32(b[13:], nonce)
		binary.BigEndian.PutUint32(b[17:], uint32(seq))
		return b
	}
	return &dgramSampler{fd: fd, timeout: timeout, nonce: rand.Uint32(), request: payload,
		matches: func(b []byte, seq int, nonce uint32) bool { return bytes.Equal(b, payload(seq, nonce)) }}, nil
}

// newICMPSampler opens an unprivileged ping socket (the kernel picks the
// echo ID and hands us only our replies) or, when the host refuses it, a
// raw socket (needs CAP_NET_RAW; replies are matched by ID).
func newICMPSampler(ip netip.Addr, timeout time.Duration) (sampler, error) {
	ip = ip.Unmap()
	v6 := !ip.Is4()
	proto, typ, reply := unix.IPPROTO_ICMP, icmp.Type(ipv4.ICMPTypeEcho), icmp.Type(ipv4.ICMPTypeEchoReply)
	if v6 {
		proto, typ, reply = unix.IPPROTO_ICMPV6, ipv6.ICMPTypeEchoRequest, ipv6.ICMPTypeEchoReply
	}
	raw := false
	fd, err := dgramSocket(netip.AddrPortFrom(ip, 0), unix.SOCK_DGRAM, proto)
	if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) || errors.Is(err, unix.EPROTONOSUPPORT) {
		raw = true
		fd, err = dgramSocket(netip.AddrPortFrom(ip, 0), unix.SOCK_RAW, proto)
	}
	if err != nil {
		return nil, err
	}
	id := int(rand.Uint32() & 0xffff)
	request := func(seq int, nonce uint32) []byte {
		data := binary.BigEndian.AppendUint32([]byte("sovbench-rtt"), nonce)
		m := icmp.Message{Type: typ, Body: &icmp.Echo{ID: id, Seq: seq & 0xffff, Data: data}}
		b, _ := m.Marshal(nil) // checksum: the kernel fills it for ICMPv6
		return b
	}
	matches := func(b []byte, seq int, nonce uint32) bool {
		if raw && !v6 && len(b) > 20 {
			b = b[int(b[0]&0x0f)*4:] // raw IPv4 sockets deliver the IP header
		}
		m, err := icmp.ParseMessage(proto, b)
		if err != nil || m.Type != reply {
			return false
		}
		e, ok := m.Body.(*icmp.Echo)
		return ok && e.Seq == seq&0xffff && (!raw || e.ID == id) &&
			bytes.HasSuffix(e.Data, binary.BigEndian.AppendUint32(nil, nonce))
	}
	return &dgramSampler{fd: fd, timeout: timeout, nonce: rand.Uint32(), request: request, matches: matches}, nil
}
