package rtt

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// connectFD opens a non-blocking TCP connection to ap and waits for the
// handshake until dl. It returns the socket and the time connect(2) was
// called.
func connectFD(ctx context.Context, ap netip.AddrPort, dl time.Time) (int, time.Time, error) {
	family, sa := sockaddr(ap)
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, time.Time{}, os.NewSyscallError("socket", err)
	}
	t0 := time.Now()
	err = unix.Connect(fd, sa)
	if err != nil && !errors.Is(err, unix.EINPROGRESS) {
		unix.Close(fd)
		return -1, t0, os.NewSyscallError("connect", err)
	}
	if err != nil {
		if err := waitFor(ctx, fd, unix.POLLOUT, dl); err != nil {
			unix.Close(fd)
			return -1, t0, err
		}
	}
	if e, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR); err != nil || e != 0 {
		if err == nil {
			err = syscall.Errno(e)
		}
		unix.Close(fd)
		return -1, t0, os.NewSyscallError("connect", err)
	}
	return fd, t0, nil
}

// timedConn is a net.Conn over a connected non-blocking socket that waits
// in poll(2) on the calling thread and notes when the first write began
// and when the last read that returned data ended. It serves one TLS
// handshake; it is not safe for concurrent use, and Close must not race a
// Read (HandshakeRTT uses Handshake, not HandshakeContext, for that
// reason: ctx is checked inside the waits instead).
type timedConn struct {
	ctx        context.Context
	fd         int
	deadline   time.Time
	remote     netip.AddrPort
	firstWrite time.Time
	lastRead   time.Time
}

func (c *timedConn) Read(b []byte) (int, error) {
	for {
		n, err := unix.Read(c.fd, b)
		switch {
		case n > 0:
			c.lastRead = time.Now()
			return n, nil
		case err == nil:
			return 0, io.EOF // orderly shutdown by the peer
		case errors.Is(err, unix.EINTR):
			continue
		case !errors.Is(err, unix.EAGAIN):
			return 0, os.NewSyscallError("read", err)
		}
		if err := waitFor(c.ctx, c.fd, unix.POLLIN, c.deadline); err != nil {
			return 0, err
		}
	}
}

func (c *timedConn) Write(b []byte) (int, error) {
	if c.firstWrite.IsZero() {
		c.firstWrite = time.Now()
	}
	done := 0
	for done < len(b) {
		n, err := unix.Write(c.fd, b[done:])
		if n > 0 {
			done += n
		}
		switch {
		case err == nil, errors.Is(err, unix.EINTR):
			continue
		case !errors.Is(err, unix.EAGAIN):
			return done, os.NewSyscallError("write", err)
		}
		if err := waitFor(c.ctx, c.fd, unix.POLLOUT, c.deadline); err != nil {
			return done, err
		}
	}
	return done, nil
}

func (c *timedConn) Close() error {
	if c.fd < 0 {
		return nil
	}
	err := unix.Close(c.fd)
	c.fd = -1
	return err
}

func (c *timedConn) LocalAddr() net.Addr  { return &net.TCPAddr{} }
func (c *timedConn) RemoteAddr() net.Addr { return net.TCPAddrFromAddrPort(c.remote) }

func (c *timedConn) SetDeadline(t time.Time) error {
	if !t.IsZero() && t.Before(c.deadline) {
		c.deadline = t
	}
	return nil
}
func (c *timedConn) SetReadDeadline(t time.Time) error  { return c.SetDeadline(t) }
func (c *timedConn) SetWriteDeadline(t time.Time) error { return c.SetDeadline(t) }
