package egress

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/sovbench/sovbench/results"
)

// quicInitial sends a real QUIC Initial (quic-go's client, TLS 1.3
// ClientHello for serverName) on a connected UDP socket and waits for any
// QUIC answer to it: version negotiation, retry, an Initial or Handshake
// packet (a CONNECTION_CLOSE travels in one) all prove a path. Silence is a
// timeout; an ICMP port unreachable is refused. The handshake is not
// completed: the first answer is the proof.
func (e *egressProbe) quicInitial(at *attempt, addr, serverName string) results.EgressAttempt {
	var d net.Dialer
	c, err := d.DialContext(at.ctx, "udp", addr)
	if err != nil {
		return at.done("connect", err)
	}
	uc := c.(*net.UDPConn)
	defer uc.Close()
	ctx, cancel := context.WithCancel(at.ctx)
	defer cancel()
	w := &quicWatch{c: uc, cancel: cancel}
	tc := &tls.Config{ServerName: serverName, InsecureSkipVerify: true, //nolint:gosec // any answer is the proof; nothing is trusted
		NextProtos: []string{"h3", "sovbench"}, MinVersion: tls.VersionTLS13}
	qc := &quic.Config{HandshakeIdleTimeout: e.p.AttemptTimeout, MaxIdleTimeout: e.p.AttemptTimeout}
	conn, derr := quic.Dial(ctx, w, uc.RemoteAddr(), tc, qc)
	if conn != nil {
		conn.CloseWithError(0, "sovbench egress")
	}
	kind, rerr := w.result()
	switch {
	case kind != "":
		at.a.Answer = "QUIC " + kind
		return at.done("read", nil)
	case rerr != nil:
		return at.done("read", rerr)
	case at.ctx.Err() != nil:
		return at.done("read", at.ctx.Err())
	}
	if derr == nil {
		derr = errors.New("quic: handshake finished without a recognised answer")
	}
	return at.done("read", derr)
}

// quicWatch is the packet conn quic-go dials through: it forwards to a
// connected UDP socket, learns our source connection ID from the first
// Initial sent, and stops the dial at the first packet that answers it.
// It deliberately offers no OOB methods, so quic-go reads through it.
type quicWatch struct {
	c      *net.UDPConn
	cancel context.CancelFunc
	mu     sync.Mutex
	scid   []byte
	kind   string
	err    error
}

func (w *quicWatch) result() (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.kind, w.err
}

func (w *quicWatch) ReadFrom(b []byte) (int, net.Addr, error) {
	n, err := w.c.Read(b)
	if err != nil {
		w.mu.Lock()
		if w.err == nil && w.kind == "" && !errors.Is(err, net.ErrClosed) {
			w.err = err
		}
		w.mu.Unlock()
		w.cancel()
		return n, w.c.RemoteAddr(), err
	}
	w.mu.Lock()
	if kind := quicAnswer(b[:n], w.scid); kind != "" && w.kind == "" {
		w.kind = kind
		w.cancel()
	}
	w.mu.Unlock()
	return n, w.c.RemoteAddr(), nil
}

func (w *quicWatch) WriteTo(b []byte, _ net.Addr) (int, error) {
	w.mu.Lock()
	if w.scid == nil {
		w.scid = longHeaderSCID(b)
	}
	w.mu.Unlock()
	return w.c.Write(b)
}

func (w *quicWatch) Close() error                       { return nil } // the probe closes the socket
func (w *quicWatch) SetReadBuffer(n int) error          { return w.c.SetReadBuffer(n) }
func (w *quicWatch) SetWriteBuffer(n int) error         { return w.c.SetWriteBuffer(n) }
func (w *quicWatch) LocalAddr() net.Addr                { return w.c.LocalAddr() }
func (w *quicWatch) SetDeadline(t time.Time) error      { return w.c.SetDeadline(t) }
func (w *quicWatch) SetReadDeadline(t time.Time) error  { return w.c.SetReadDeadline(t) }
func (w *quicWatch) SetWriteDeadline(t time.Time) error { return w.c.SetWriteDeadline(t) }

// longHeader splits a long-header packet: version, DCID, SCID.
func longHeader(b []byte) (version uint32, dcid, scid []byte, ok bool) {
	if len(b) < 7 || b[0]&0x80 == 0 {
		return 0, nil, nil, false
	}
	version = uint32(b[1])<<24 | uint32(b[2])<<16 | uint32(b[3])<<8 | uint32(b[4])
	dl := int(b[5])
	if len(b) < 7+dl {
		return 0, nil, nil, false
	}
	dcid = b[6 : 6+dl]
	sl := int(b[6+dl])
	if len(b) < 7+dl+sl {
		return 0, nil, nil, false
	}
	return version, dcid, b[7+dl : 7+dl+sl], true
}

func longHeaderSCID(b []byte) []byte {
	_, _, scid, ok := longHeader(b)
	if !ok {
		return nil
	}
	return bytes.Clone(scid)
}

// quicAnswer names the QUIC packet b when it answers a client whose source
// connection ID is ours ("" when it is not QUIC or not addressed to us).
func quicAnswer(b []byte, ours []byte) string {
	if len(b) > 0 && b[0]&0x80 == 0 {
		if b[0]&0x40 != 0 && ours != nil && len(b) > len(ours) && bytes.Equal(b[1:1+len(ours)], ours) {
			return "short header packet"
		}
		return ""
	}
	version, dcid, _, ok := longHeader(b)
	if !ok || (ours != nil && !bytes.Equal(dcid, ours)) {
		return ""
	}
	if version == 0 {
		return "version negotiation"
	}
	types := [4]string{"initial", "0-rtt", "handshake", "retry"}
	if version == 0x6b3343cf { // QUIC v2 renumbers the long-header types
		types = [4]string{"retry", "initial", "0-rtt", "handshake"}
	}
	return types[(b[0]>>4)&3]
}
