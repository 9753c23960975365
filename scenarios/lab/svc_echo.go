package lab

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/sovbench/sovbench/scenarios/lab/netem"
)

// udpEcho answers UDP echo on its own OS thread, blocked in poll(2) on the
// socket, the way the kernel answers ICMP echo: the datagram goes back as
// soon as the thread wakes. Going through Go's network poller instead
// added a goroutine wake-up (tens of microseconds on a loaded machine) to
// every lab round trip, which a landmark's RTT measurement would count as
// distance. After each echo the thread also hands the answer to the
// forwarder itself (netem.Flusher), saving the forwarder's reader a
// wake-up, as it does for answers the kernel gives. A blocking poll gives up the thread's Go P, so landmarks cost
// no P while idle; the forwarder's reserved Ps leave one free to return to.
type udpEcho struct {
	c    *net.UDPConn
	fl   *netem.Flusher
	stop int // eventfd: Close wakes the thread with it
	done chan struct{}
	once sync.Once
}

// echoPriority is the echo thread's SCHED_FIFO priority, the forwarder's.
const echoPriority = labRealtime

// startUDPEcho starts echoing on c; Close stops the thread, then closes c.
func startUDPEcho(c *net.UDPConn, fl *netem.Flusher) (*udpEcho, error) {
	stop, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("creating eventfd: %w", err)
	}
	rc, err := c.SyscallConn()
	if err != nil {
		unix.Close(stop)
		return nil, fmt.Errorf("opening UDP socket: %w", err)
	}
	e := &udpEcho{c: c, fl: fl, stop: stop, done: make(chan struct{})}
	var fd int
	rc.Control(func(f uintptr) { fd = int(f) })
	go e.serve(fd)
	return e, nil
}

func (e *udpEcho) serve(fd int) {
	defer close(e.done)
	// The thread stays locked: it ends with the goroutine, so its
	// real-time policy never passes to other goroutines.
	runtime.LockOSThread()
	// Best effort, like the forwarder's threads (needs CAP_SYS_NICE): a
	// loaded machine then delays the echo no more than the kernel's ICMP.
	unix.SchedSetAttr(0, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_FIFO, Priority: echoPriority}, 0)
	buf := make([]byte, 65536)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(e.stop), Events: unix.POLLIN}}
	for {
		n, from, err := unix.Recvfrom(fd, buf, unix.MSG_DONTWAIT)
		if err == nil {
			// A full socket buffer drops the echo, as a network would.
			if unix.Sendto(fd, buf[:n], unix.MSG_DONTWAIT, from) == nil {
				e.fl.Flush() // the echo is on the TUN queue now: forward it from here
			}
			continue
		}
		if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
			return
		}
		fds[0].Revents, fds[1].Revents = 0, 0
		if _, err := unix.Poll(fds, -1); err != nil && !errors.Is(err, unix.EINTR) {
			return
		}
		if fds[1].Revents != 0 {
			return
		}
	}
}

// Close stops the echo thread and closes the socket; the thread leaves the
// descriptor before it is closed, so its number cannot be reused under it.
func (e *udpEcho) Close() error {
	var err error
	e.once.Do(func() {
		unix.Write(e.stop, []byte{1, 0, 0, 0, 0, 0, 0, 0})
		<-e.done
		unix.Close(e.stop)
		err = e.c.Close()
	})
	return err
}
