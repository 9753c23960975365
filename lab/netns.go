package lab

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// InNamespace runs fn on an OS thread that has joined the named network
// namespace (/run/netns/NAME). Sockets fn creates stay in that namespace and
// can be used from any goroutine afterwards. fn must not start goroutines
// that expect to be in the namespace.
func InNamespace(ns string, fn func() error) error {
	target, err := os.Open("/run/netns/" + ns)
	if err != nil {
		return fmt.Errorf("opening namespace %s: %w", ns, err)
	}
	defer target.Close()
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("opening own namespace: %w", err)
	}
	defer orig.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("entering namespace %s: %w", ns, err)
	}
	ferr := fn()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		// Leave the thread locked: the runtime ends it with the goroutine
		// rather than reuse a thread in the wrong namespace.
		return fmt.Errorf("leaving namespace %s: %w", ns, err)
	}
	runtime.UnlockOSThread()
	return ferr
}

// ListenTCP opens a TCP listener on addr ("198.18.1.1:80", "[::]:80")
// inside namespace ns.
func ListenTCP(ns, addr string) (*net.TCPListener, error) {
	var l net.Listener
	err := InNamespace(ns, func() (err error) {
		l, err = net.Listen("tcp", addr)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listening on tcp %s in %s: %w", addr, ns, err)
	}
	return l.(*net.TCPListener), nil
}

// ListenUDP opens a UDP socket bound to addr inside namespace ns.
func ListenUDP(ns, addr string) (*net.UDPConn, error) {
	c, err := ListenPacket(ns, "udp", addr)
	if err != nil {
		return nil, err
	}
	return c.(*net.UDPConn), nil
}

// ListenPacket opens a packet socket (udp, udp4, udp6, ip4:icmp, ...) bound
// to addr inside namespace ns.
func ListenPacket(ns, network, addr string) (net.PacketConn, error) {
	var c net.PacketConn
	err := InNamespace(ns, func() (err error) {
		c, err = net.ListenPacket(network, addr)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listening on %s %s in %s: %w", network, addr, ns, err)
	}
	return c, nil
}

// Dial connects to addr from inside namespace ns; the dial honours ctx's
// deadline. addr must be an address literal (no DNS from the caller's
// namespace).
func Dial(ctx context.Context, ns, network, addr string) (net.Conn, error) {
	var c net.Conn
	err := InNamespace(ns, func() (err error) {
		var d net.Dialer
		c, err = d.DialContext(ctx, network, addr)
		return err
	})
	return c, err
}

// runCmd runs a command and returns its combined output in the error.
func runCmd(ctx context.Context, stdin string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}

// ipBatch runs ip commands (one per line) in one process, in namespace ns
// or the root namespace when ns is empty.
func ipBatch(ctx context.Context, ns string, lines []string) error {
	if len(lines) == 0 {
		return nil
	}
	args := []string{"-batch", "-"}
	if ns != "" {
		args = append([]string{"-n", ns}, args...)
	}
	return runCmd(ctx, strings.Join(lines, "\n")+"\n", "ip", args...)
}

// nsExists reports whether /run/netns/ns exists.
func nsExists(ns string) bool {
	_, err := os.Stat("/run/netns/" + ns)
	return err == nil
}

// cmdOutput runs a command and returns its standard output.
func cmdOutput(ctx context.Context, name string, args ...string) ([]byte, error) {
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return out, nil
}
