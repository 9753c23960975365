package lab

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/quic-go/quic-go"
)

// quicParams are a QUIC service's parameters.
type quicParams struct {
	Ports []uint16 `yaml:"ports"` // UDP ports, default [443]
	// ALPN are the application protocols offered (default h3 and sovbench).
	ALPN []string `yaml:"alpn"`
	// Names are extra DNS names in its lab-CA certificate.
	Names []string `yaml:"names"`
}

// quicService is a real QUIC server (quic-go) with a lab-CA certificate:
// it answers only QUIC, as a QUIC server on UDP 443 does, so a path to it
// shows only to a client that speaks QUIC. It records every Initial packet
// (proto "quic", payload its destination connection ID) and echoes the
// streams of the connections that complete.
type quicService struct {
	p    quicParams
	mu   sync.Mutex
	lns  []*quic.Listener
	pcs  []net.PacketConn
	wg   sync.WaitGroup
	once sync.Once
}

func newQUIC(decode func(any) error) (Service, error) {
	s := &quicService{p: quicParams{Ports: []uint16{443}, ALPN: []string{"h3", "sovbench"}}}
	if err := decode(&s.p); err != nil {
		return nil, err
	}
	if len(s.p.Ports) == 0 || len(s.p.ALPN) == 0 {
		return nil, errors.New("ports and alpn: at least one each")
	}
	return s, nil
}

func (s *quicService) Start(ctx context.Context, env *Env) error {
	cert, err := env.CA.Issue(append([]string{env.Name}, s.p.Names...), env.Addrs)
	if err != nil {
		return fmt.Errorf("issuing the QUIC service's certificate: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: s.p.ALPN, MinVersion: tls.VersionTLS13}
	for _, port := range s.p.Ports {
		cs, err := env.ListenUDP(port)
		if err != nil {
			s.Close()
			return err
		}
		for _, c := range cs {
			pc := &recordingConn{PacketConn: c, udp: c, env: env}
			ln, err := quic.Listen(pc, cfg, &quic.Config{HandshakeIdleTimeout: idleTimeout, MaxIdleTimeout: idleTimeout})
			if err != nil {
				c.Close()
				s.Close()
				return fmt.Errorf("starting QUIC on %s: %w", c.LocalAddr(), err)
			}
			s.mu.Lock()
			s.lns, s.pcs = append(s.lns, ln), append(s.pcs, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go s.serve(ln)
		}
	}
	return nil
}

// serve accepts connections and echoes each stream until Close.
func (s *quicService) serve(ln *quic.Listener) {
	defer s.wg.Done()
	for {
		conn, err := ln.Accept(context.Background())
		if err != nil {
			return
		}
		go func() {
			for {
				st, err := conn.AcceptStream(context.Background())
				if err != nil {
					return
				}
				go func() { io.Copy(st, io.LimitReader(st, 1<<16)); st.Close() }()
			}
		}()
	}
}

func (s *quicService) Close() error {
	s.once.Do(func() {
		s.mu.Lock()
		for _, ln := range s.lns {
			ln.Close()
		}
		for _, c := range s.pcs {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return nil
}

// recordingConn records each QUIC Initial it reads as an arrival. It
// offers quic-go the socket buffer setters (not the OOB methods, so quic-go
// reads through ReadFrom).
type recordingConn struct {
	net.PacketConn
	udp *net.UDPConn
	env *Env
}

func (c *recordingConn) SetReadBuffer(n int) error  { return c.udp.SetReadBuffer(n) }
func (c *recordingConn) SetWriteBuffer(n int) error { return c.udp.SetWriteBuffer(n) }

func (c *recordingConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := c.PacketConn.ReadFrom(b)
	if err == nil {
		if dcid, ok := initialDCID(b[:n]); ok {
			c.env.Record(Arrival{Proto: "quic", Local: c.LocalAddr().String(), Peer: from.String(), Payload: "initial dcid " + hex.EncodeToString(dcid)})
		}
	}
	return n, from, err
}

// initialDCID returns the destination connection ID of a QUIC v1/v2 long
// header Initial packet.
func initialDCID(b []byte) ([]byte, bool) {
	if len(b) < 7 || b[0]&0xc0 != 0xc0 {
		return nil, false
	}
	version := uint32(b[1])<<24 | uint32(b[2])<<16 | uint32(b[3])<<8 | uint32(b[4])
	typ := (b[0] >> 4) & 3
	if version == 0 || (version == 1 && typ != 0) || (version == 0x6b3343cf && typ != 1) {
		return nil, false
	}
	l := int(b[5])
	if len(b) < 6+l {
		return nil, false
	}
	return b[6 : 6+l], true
}
