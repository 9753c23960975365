//go:build linux

package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// connectLoop tries the plain-connect destinations idx of s (in that
// order), with up to Concurrency non-blocking connects in flight polled
// by one epoll set on this goroutine, instead of a goroutine (and its
// stack) per connect in flight. Each outcome is kept compactly in s (see
// sweep); the record built from it is the one tcpConnect makes: the same
// operation, classes and error text as Go's dialer. It returns an
// error, having tried nothing, only when the epoll set cannot be made.
// tick is called once per destination recorded.
func (e *egressProbe) connectLoop(ctx context.Context, rec *probes.Recorder, s *sweep, idx []int32, tick func()) error {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("creating the epoll set of the connect loop: %w", err)
	}
	defer unix.Close(ep)
	l := &connLoop{e: e, rec: rec, ep: ep, s: s, tick: tick, flight: map[int]*connAttempt{}}
	events := make([]unix.EpollEvent, 128)
	next := 0
	for next < len(idx) || len(l.flight) > 0 {
		if stopped(ctx) {
			l.stopAll(ctx, idx[next:])
			return nil
		}
		wait := 50 * time.Millisecond // bounds how late a stop is seen
		for next < len(idx) && len(l.flight) < e.p.Concurrency {
			now := time.Now()
			r := e.limiter.ReserveN(now, 1)
			if d := r.DelayFrom(now); d > 0 {
				r.CancelAt(now)
				wait = min(wait, d)
				break
			}
			l.start(idx[next])
			next++
		}
		if len(l.queue) > 0 {
			wait = min(wait, time.Until(l.queue[0].deadline))
		}
		n, err := unix.EpollWait(ep, events, int(max(wait, 0).Milliseconds())+1)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("waiting on the connect loop's epoll set: %w", err)
		}
		for _, ev := range events[:max(n, 0)] {
			l.ready(int(ev.Fd))
		}
		l.expire(time.Now())
	}
	return nil
}

// connLoop is the state of one connectLoop.
type connLoop struct {
	e      *egressProbe
	rec    *probes.Recorder
	ep     int
	s      *sweep
	tick   func()               // progress: one more destination recorded
	flight map[int]*connAttempt // by socket
	queue  []*connAttempt       // by deadline (every attempt has the same timeout)
}

// connAttempt is one connect in flight.
type connAttempt struct {
	fd       int // -1 once finished
	i        int32
	began    time.Time
	deadline time.Time
}

// start opens destination i's non-blocking connect; a connect that ends at
// once (refused, unreachable, no socket) is recorded at once.
func (l *connLoop) start(i int32) {
	spec := l.s.specs.at(int(i))
	ip := net.ParseIP(spec.Host)
	began := time.Now()
	c := &connAttempt{fd: -1, i: i, began: began, deadline: began.Add(l.e.p.AttemptTimeout)}
	fd, sa, err := openSocket(ip, spec.Port)
	if err != nil {
		l.finish(c, os.NewSyscallError("socket", err))
		return
	}
	c.fd = fd
	switch err := unix.Connect(fd, sa); {
	case err == nil:
		l.finish(c, nil)
		return
	case !errors.Is(err, unix.EINPROGRESS):
		l.finish(c, os.NewSyscallError("connect", err))
		return
	}
	ev := unix.EpollEvent{Events: unix.EPOLLOUT | unix.EPOLLONESHOT, Fd: int32(fd)}
	if err := unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		l.finish(c, os.NewSyscallError("epoll_ctl", err))
		return
	}
	l.flight[fd] = c
	l.queue = append(l.queue, c)
}

func openSocket(ip net.IP, port int) (int, unix.Sockaddr, error) {
	if ip4 := ip.To4(); ip4 != nil {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		return fd, &unix.SockaddrInet4{Port: port, Addr: [4]byte(ip4)}, err
	}
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	return fd, &unix.SockaddrInet6{Port: port, Addr: [16]byte(ip.To16())}, err
}

// ready ends the connect on fd: the socket's pending error says how.
func (l *connLoop) ready(fd int) {
	c, ok := l.flight[fd]
	if !ok {
		return
	}
	errno, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	switch {
	case err != nil:
		l.finish(c, os.NewSyscallError("getsockopt", err))
	case errno != 0:
		l.finish(c, os.NewSyscallError("connect", unix.Errno(errno)))
	default:
		l.finish(c, nil)
	}
}

// expire ends the connects whose deadline has passed, as timeouts.
func (l *connLoop) expire(now time.Time) {
	for len(l.queue) > 0 && (l.queue[0].fd < 0 || !now.Before(l.queue[0].deadline)) {
		c := l.queue[0]
		l.queue[0] = nil
		l.queue = l.queue[1:]
		if c.fd >= 0 {
			l.finish(c, os.ErrDeadlineExceeded)
		}
	}
}

// stopAll ends the connects in flight with the run's stop, as the dialer
// ends them, and marks the destinations not started as not tried.
func (l *connLoop) stopAll(ctx context.Context, rest []int32) {
	var err error = os.ErrDeadlineExceeded // the dialer's text for a passed deadline
	if errors.Is(ctx.Err(), context.Canceled) {
		err = errCanceled{}
	}
	for _, c := range l.queue {
		if c.fd >= 0 {
			l.finish(c, err)
		}
	}
	for _, i := range rest {
		l.s.plain[i] = plainResult{end: endUntried}
		l.tick()
	}
}

// finish closes c's socket and records how its connect ended: err nil is
// a completed handshake, else what the dialer's *net.OpError wraps.
func (l *connLoop) finish(c *connAttempt, err error) {
	if c.fd >= 0 {
		delete(l.flight, c.fd)
		unix.Close(c.fd)
		c.fd = -1
	}
	r, ok := plainOutcome(err)
	r.start, r.took = l.rec.Offset(c.began), time.Since(c.began)
	if ok {
		l.s.plain[c.i] = r
	} else { // not an error the loop makes: keep the whole record
		d := l.s.Destination(int(c.i)) // the spec's fields
		ip := net.ParseIP(d.Host)
		addr := net.JoinHostPort(ip.String(), strconv.Itoa(d.Port))
		a := results.EgressAttempt{Method: results.MethodTCP, Address: addr, Family: family(ip), Operation: "connect",
			Start: results.Duration(r.start), Took: results.Duration(r.took),
			Failure: probes.Classify("connect", &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: ip, Port: d.Port}, Err: err})}
		a.Class = string(a.Failure.Class)
		d.Tried, d.Addresses, d.Attempts = true, []string{ip.String()}, []results.EgressAttempt{a}
		l.s.keep(int(c.i), &d)
	}
	l.tick()
}
