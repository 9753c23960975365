package swtpmtest

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sovbench/sovbench/attest/swtpm"
)

// PTY puts inst behind a pseudo-terminal and returns its path
// (/dev/pts/N): a character device that speaks raw TPM 2.0 commands, which
// collect.Open takes for a TPM device. It is how a provider makes a
// software TPM look like a device to anything that judges by the path. The
// bridge sends TPM2_Startup first (a device is started by firmware) and
// stops with the test.
func PTY(t testing.TB, inst *swtpm.Instance) string {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlocking the PTY: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("naming the PTY: %v", err)
	}
	path := fmt.Sprintf("/dev/pts/%d", n)
	// Held open so that the collector's close does not hang up the line.
	slave, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening %s: %v", path, err)
	}
	if err := makeRaw(int(slave.Fd())); err != nil {
		t.Fatalf("raw mode on %s: %v", path, err)
	}
	conn, err := net.DialTimeout("tcp", inst.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := relay(conn, []byte{0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x44, 0, 0}); err != nil {
		t.Fatalf("TPM2_Startup through the bridge: %v", err)
	}
	go bridge(master, conn)
	t.Cleanup(func() { conn.Close(); master.Close(); slave.Close() })
	return path
}

func makeRaw(fd int) error {
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB
	tio.Cflag |= unix.CS8
	tio.Cc[unix.VMIN], tio.Cc[unix.VTIME] = 1, 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, tio)
}

// bridge reads whole TPM commands from the PTY, relays each to swtpm and
// writes the response back in one write.
func bridge(pty *os.File, conn net.Conn) {
	hdr := make([]byte, 10)
	for {
		if _, err := io.ReadFull(pty, hdr); err != nil {
			return
		}
		size := binary.BigEndian.Uint32(hdr[2:6])
		if size < 10 || size > 1<<16 {
			return
		}
		cmd := make([]byte, size)
		copy(cmd, hdr)
		if _, err := io.ReadFull(pty, cmd[10:]); err != nil {
			return
		}
		rsp, err := relay(conn, cmd)
		if err != nil {
			return
		}
		if _, err := pty.Write(rsp); err != nil {
			return
		}
	}
}

// relay sends one command over swtpm's TCP protocol (TPM_SEND_COMMAND,
// locality 0) and returns the response.
func relay(conn net.Conn, cmd []byte) ([]byte, error) {
	if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		return nil, err
	}
	msg := make([]byte, 9, 9+len(cmd))
	binary.BigEndian.PutUint32(msg[0:4], 8)
	binary.BigEndian.PutUint32(msg[5:9], uint32(len(cmd)))
	if _, err := conn.Write(append(msg, cmd...)); err != nil {
		return nil, err
	}
	var size [4]byte
	if _, err := io.ReadFull(conn, size[:]); err != nil {
		return nil, err
	}
	body := make([]byte, binary.BigEndian.Uint32(size[:])+4)
	if _, err := io.ReadFull(conn, body); err != nil {
		return nil, err
	}
	return body[:len(body)-4], nil
}
