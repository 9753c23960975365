package netem

import (
	"fmt"
	"path/filepath"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// nsPath returns the namespace file for a Port.Namespace: a name under
// /run/netns (as made by "ip netns add"), or an absolute path such as
// /proc/PID/ns/net.
func nsPath(ns string) string {
	if filepath.IsAbs(ns) {
		return ns
	}
	return filepath.Join("/run/netns", ns)
}

// openTUN creates the non-persistent TUN device name inside namespace ns, sets
// it up and returns its file descriptor (non-blocking, close-on-exec). The
// device disappears when the descriptor is closed.
func openTUN(ns, name string) (int, error) {
	type result struct {
		fd  int
		err error
	}
	ch := make(chan result, 1)
	go func() {
		// The namespace switch happens on a thread of its own. If it cannot
		// be switched back, the goroutine exits still locked and Go discards
		// the thread instead of reusing it in the wrong namespace.
		runtime.LockOSThread()
		fd, restored, err := openTUNLocked(ns, name)
		if restored {
			runtime.UnlockOSThread()
		}
		ch <- result{fd, err}
	}()
	r := <-ch
	return r.fd, r.err
}

// openTUNLocked does the work of openTUN on a locked thread. restored tells
// whether the thread is back in its original namespace.
func openTUNLocked(ns, name string) (fd int, restored bool, err error) {
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, true, fmt.Errorf("opening current network namespace: %w", err)
	}
	defer unix.Close(orig)
	target, err := unix.Open(nsPath(ns), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, true, fmt.Errorf("opening network namespace %s: %w", ns, err)
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		return -1, true, fmt.Errorf("entering network namespace %s: %w", ns, err)
	}
	fd, err = createTUN(name)
	if rerr := unix.Setns(orig, unix.CLONE_NEWNET); rerr != nil {
		if fd >= 0 {
			unix.Close(fd)
		}
		return -1, false, fmt.Errorf("leaving network namespace %s: %w", ns, rerr)
	}
	if err != nil {
		return -1, true, fmt.Errorf("creating TUN %s in %s: %w", name, ns, err)
	}
	return fd, true, nil
}

// createTUN opens /dev/net/tun in the current thread's namespace, attaches it
// to a new IFF_TUN|IFF_NO_PI device and sets the link up.
func createTUN(name string) (int, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("opening /dev/net/tun: %w", err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("naming device: %w", err)
	}
	ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
	if err := ioctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("attaching device (TUNSETIFF): %w", err)
	}
	if err := setUp(name); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// ioctlIfreq issues an ifreq ioctl. unix.IoctlIfreq would do, but TUNSETIFF
// is not a socket ioctl and the helper's name says otherwise; both are the
// same system call.
func ioctlIfreq(fd int, req uint, ifr *unix.Ifreq) error {
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(unsafe.Pointer(ifr)))
	if errno != 0 {
		return errno
	}
	return nil
}

// setUp sets the link name up in the current thread's namespace.
func setUp(name string) error {
	s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening control socket: %w", err)
	}
	defer unix.Close(s)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return fmt.Errorf("naming device: %w", err)
	}
	if err := unix.IoctlIfreq(s, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("reading flags of %s: %w", name, err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(s, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("setting %s up: %w", name, err)
	}
	return nil
}
