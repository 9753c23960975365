package collect

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/go-tpm-tools/simulator"
)

// Kinds of TPM as the collector reached it (results.TPMDetails.Kind).
const (
	KindDevice    = "device"
	KindSwtpm     = "swtpm"
	KindSimulator = "simulator"
)

// DefaultEventLog is where Linux exposes the firmware's measured-boot log.
const DefaultEventLog = "/sys/kernel/security/tpm0/binary_bios_measurements"

// commandTimeout bounds one TPM command when the context has no deadline.
const commandTimeout = 30 * time.Second

// Device is an open TPM. It is not safe for concurrent use.
type Device struct {
	// Source is the spec the device was opened with ("/dev/tpmrm0", ...).
	Source string
	// Kind is KindDevice, KindSwtpm or KindSimulator.
	Kind string
	// EventLogPath is read by Collect when the request carries no event
	// log; empty means no log (simulator, swtpm).
	EventLogPath string
	ch           channel
}

// channel is a TPM command channel: write one command, read its response.
type channel interface {
	io.ReadWriteCloser
	setContext(ctx context.Context)
}

// Open opens the TPM named by spec:
//
//	""                         /dev/tpmrm0, then /dev/tpm0
//	"/dev/tpmrm0"              a Linux TPM device
//	"swtpm://127.0.0.1:2321"   swtpm's TCP command port (see attest/swtpm)
//	"simulator"                the in-process go-tpm-tools simulator
//
// The simulator holds process-wide state: only one can be open at a time.
// swtpm must run with --flags not-need-init (Open sends TPM2_Startup).
func Open(ctx context.Context, spec string) (*Device, error) {
	switch {
	case spec == "":
		var errs []error
		for _, p := range []string{"/dev/tpmrm0", "/dev/tpm0"} {
			d, err := openDevice(p)
			if err == nil {
				return d, nil
			}
			errs = append(errs, err)
		}
		return nil, fmt.Errorf("opening TPM: %w", errors.Join(errs...))
	case spec == KindSimulator:
		sim, err := simulator.Get()
		if err != nil {
			return nil, fmt.Errorf("opening TPM simulator: %w", err)
		}
		return &Device{Source: spec, Kind: KindSimulator, ch: &simChannel{sim: sim}}, nil
	case strings.HasPrefix(spec, "swtpm://"):
		return openSwtpm(ctx, spec)
	case strings.HasPrefix(spec, "/"):
		return openDevice(spec)
	}
	return nil, fmt.Errorf("opening TPM %q: unknown spec (want a /dev path, swtpm://host:port or simulator)", spec)
}

func openDevice(path string) (*Device, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("opening TPM %s: %w", path, err)
	}
	d := &Device{Source: path, Kind: KindDevice, ch: &fileChannel{f: f}}
	if _, err := os.Stat(DefaultEventLog); err == nil || !errors.Is(err, fs.ErrNotExist) {
		d.EventLogPath = DefaultEventLog
	}
	return d, nil
}

func openSwtpm(ctx context.Context, spec string) (*Device, error) {
	addr := strings.TrimPrefix(spec, "swtpm://")
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("opening TPM %s: %w", spec, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("opening TPM %s: swtpm must listen on a loopback address", spec)
	}
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var dialer net.Dialer
	conn, err := dialer.DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("opening TPM %s: %w", spec, err)
	}
	d := &Device{Source: spec, Kind: KindSwtpm, ch: &swtpmChannel{conn: conn, ctx: ctx}}
	if err := startup(d.ch); err != nil {
		d.Close()
		return nil, fmt.Errorf("opening TPM %s: %w", spec, err)
	}
	return d, nil
}

// startup sends TPM2_Startup(SU_CLEAR); "already initialized" is fine.
func startup(rw io.ReadWriter) error {
	cmd := []byte{0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x44, 0, 0}
	if _, err := rw.Write(cmd); err != nil {
		return fmt.Errorf("sending TPM2_Startup: %w", err)
	}
	rsp := make([]byte, 64)
	n, err := rw.Read(rsp)
	if err != nil {
		return fmt.Errorf("reading TPM2_Startup response: %w", err)
	}
	if n < 10 {
		return fmt.Errorf("reading TPM2_Startup response: %d bytes", n)
	}
	if rc := binary.BigEndian.Uint32(rsp[6:10]); rc != 0 && rc != 0x100 {
		return fmt.Errorf("TPM2_Startup returned 0x%x", rc)
	}
	return nil
}

// Close releases the TPM.
func (d *Device) Close() error { return d.ch.Close() }

// ReadWriter is the raw command channel, for go-tpm's legacy API and tests.
// Commands sent with it must not interleave with a running Collect.
func (d *Device) ReadWriter() io.ReadWriter { return d.ch }

// rwc adapts a channel to go-attestation's CommandChannelTPM20.
type rwc struct {
	channel
	log []byte
}

func (r rwc) MeasurementLog() ([]byte, error) { return r.log, nil }

type fileChannel struct{ f *os.File }

func (c *fileChannel) Read(p []byte) (int, error)   { return c.f.Read(p) }
func (c *fileChannel) Write(p []byte) (int, error)  { return c.f.Write(p) }
func (c *fileChannel) Close() error                 { return c.f.Close() }
func (c *fileChannel) setContext(_ context.Context) {}

type simChannel struct{ sim *simulator.Simulator }

func (c *simChannel) Read(p []byte) (int, error)   { return c.sim.Read(p) }
func (c *simChannel) Write(p []byte) (int, error)  { return c.sim.Write(p) }
func (c *simChannel) Close() error                 { return c.sim.Close() }
func (c *simChannel) setContext(_ context.Context) {}

// swtpmChannel speaks swtpm's TCP command protocol (TPM_SEND_COMMAND):
// u32 8, u8 locality, u32 length, command; answer: u32 length, response,
// u32 0. Every command has a deadline from the context. Unlike
// transport.ToReadWriter, Read returns (n, nil) so go-attestation accepts it.
type swtpmChannel struct {
	mu   sync.Mutex
	conn net.Conn
	ctx  context.Context
	rsp  bytes.Buffer
}

func (c *swtpmChannel) setContext(ctx context.Context) {
	c.mu.Lock()
	c.ctx = ctx
	c.mu.Unlock()
}

func (c *swtpmChannel) deadline() time.Time {
	if c.ctx != nil {
		if d, ok := c.ctx.Deadline(); ok {
			return d
		}
	}
	return time.Now().Add(commandTimeout)
}

func (c *swtpmChannel) Write(cmd []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx != nil && c.ctx.Err() != nil {
		return 0, c.ctx.Err()
	}
	if err := c.conn.SetDeadline(c.deadline()); err != nil {
		return 0, err
	}
	hdr := make([]byte, 9, 9+len(cmd))
	binary.BigEndian.PutUint32(hdr[0:4], 8)
	binary.BigEndian.PutUint32(hdr[5:9], uint32(len(cmd)))
	if _, err := c.conn.Write(append(hdr, cmd...)); err != nil {
		return 0, fmt.Errorf("writing TPM command: %w", err)
	}
	var size [4]byte
	if _, err := io.ReadFull(c.conn, size[:]); err != nil {
		return 0, fmt.Errorf("reading TPM response size: %w", err)
	}
	n := binary.BigEndian.Uint32(size[:])
	if n > 1<<20 {
		return 0, fmt.Errorf("reading TPM response: %d bytes is too large", n)
	}
	body := make([]byte, n+4)
	if _, err := io.ReadFull(c.conn, body); err != nil {
		return 0, fmt.Errorf("reading TPM response: %w", err)
	}
	c.rsp.Reset()
	c.rsp.Write(body[:n])
	return len(cmd), nil
}

func (c *swtpmChannel) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rsp.Len() == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n, _ := c.rsp.Read(p)
	return n, nil
}

func (c *swtpmChannel) Close() error { return c.conn.Close() }
