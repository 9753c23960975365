package lab

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sovbench/sovbench/lab/netem"
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
//
// Better still, the forwarder answers for it: right after it writes into
// the landmark's namespace it calls answer (netem.Flusher.OnWrite), which
// takes the datagram the write just delivered, sends the echo and leaves
// it for the forwarder's drain, all inside the forwarder's thread, as the
// kernel answers ICMP echo; the echo thread then only sees what answer
// missed. That leaves no wake-up of any thread between request and echo.
type udpEcho struct {
	c      *net.UDPConn
	fd     int
	fl     *netem.Flusher
	unhook func()
	stop   int // eventfd: Close wakes the thread with it
	done   chan struct{}
	once   sync.Once

	// answerMu guards answerBuf and closed; answer only ever TryLocks it
	// (it runs on the forwarder's real-time threads, which must not park).
	answerMu  sync.Mutex
	answerBuf []byte
	closed    bool
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
	e := &udpEcho{c: c, fl: fl, stop: stop, done: make(chan struct{}), answerBuf: make([]byte, 65536)}
	rc.Control(func(f uintptr) { e.fd = int(f) })
	if fl != nil {
		e.unhook = fl.OnWrite(e.answer)
	}
	go e.serve(e.fd)
	return e, nil
}

// answer echoes what waits on the socket, from the forwarder's thread
// right after it delivered a packet into this namespace. If another
// forwarder thread is at it, or the echo is closing, it leaves the
// datagrams to that thread or the echo's own.
func (e *udpEcho) answer() {
	if !e.answerMu.TryLock() {
		return
	}
	defer e.answerMu.Unlock()
	if e.closed {
		return
	}
	// Raw system calls, as the forwarder's own: on a non-blocking socket
	// they cannot block, and they keep the thread's P.
	var from unix.RawSockaddrAny
	buf := unsafe.Pointer(&e.answerBuf[0])
	for {
		fromLen := uint32(unix.SizeofSockaddrAny)
		n, _, errno := unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(e.fd), uintptr(buf), uintptr(len(e.answerBuf)),
			unix.MSG_DONTWAIT, uintptr(unsafe.Pointer(&from)), uintptr(unsafe.Pointer(&fromLen)))
		if errno != 0 {
			return
		}
		// A full buffer drops the echo, as a network would.
		unix.RawSyscall6(unix.SYS_SENDTO, uintptr(e.fd), uintptr(buf), n,
			unix.MSG_DONTWAIT, uintptr(unsafe.Pointer(&from)), uintptr(fromLen))
	}
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
		if e.unhook != nil {
			e.unhook()
		}
		e.answerMu.Lock() // waits for an answer under way; later ones see closed
		e.closed = true
		e.answerMu.Unlock()
		unix.Write(e.stop, []byte{1, 0, 0, 0, 0, 0, 0, 0})
		<-e.done
		unix.Close(e.stop)
		err = e.c.Close()
	})
	return err
}
