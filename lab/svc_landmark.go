package lab

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// idleTimeout bounds how long a lab service waits on a silent client.
const idleTimeout = 10 * time.Second

// landmarkParams are a landmark's parameters.
type landmarkParams struct {
	TCP []uint16 `yaml:"tcp"` // accept and echo; default 7 and 80
	UDP []uint16 `yaml:"udp"` // echo; default 7
	// TLS are ports of a TLS 1.3 server with a lab-CA certificate for the
	// landmark's name (default 443): authenticated round trips, a
	// handshake only the landmark's key can complete.
	TLS []uint16 `yaml:"tls"`
}

// landmark answers TCP (accept, echo until the client closes), UDP echo
// and TLS 1.3 handshakes at its coordinates; ICMP echo is answered by the
// kernel.
type landmark struct {
	p landmarkParams
	servers
}

func newLandmark(decode func(any) error) (Service, error) {
	l := &landmark{p: landmarkParams{TCP: []uint16{7, 80}, UDP: []uint16{7}, TLS: []uint16{443}}}
	if err := decode(&l.p); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *landmark) Start(ctx context.Context, env *Env) error {
	for _, port := range l.p.TCP {
		ls, err := env.ListenTCP(port)
		if err != nil {
			l.Close()
			return err
		}
		for _, ln := range ls {
			l.serveTCP(ln, echoConn)
		}
	}
	if err := l.startTLS(env); err != nil {
		l.Close()
		return err
	}
	for _, port := range l.p.UDP {
		cs, err := env.ListenUDP(port)
		if err != nil {
			l.Close()
			return err
		}
		for i, c := range cs {
			e, err := startUDPEcho(c, env.Flusher())
			if err != nil {
				closeUDP(cs[i:])
				l.Close()
				return err
			}
			l.add(e)
		}
	}
	return nil
}

// startTLS serves TLS 1.3 handshakes on the TLS ports: the certificate is
// the lab CA's for the landmark's name and addresses, so a suite that
// trusts the lab CA for that name knows who completed the handshake.
func (l *landmark) startTLS(env *Env) error {
	if len(l.p.TLS) == 0 {
		return nil
	}
	cert, err := env.CA.Issue([]string{env.Name}, env.Addrs)
	if err != nil {
		return fmt.Errorf("issuing the certificate of landmark %s: %w", env.Name, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}
	for _, port := range l.p.TLS {
		ls, err := env.ListenTCP(port)
		if err != nil {
			return err
		}
		for _, ln := range ls {
			l.serveTCP(ln, func(c net.Conn) { handshakeConn(c, cfg) })
		}
	}
	return nil
}

// handshakeConn completes a TLS handshake, then echoes until the client
// closes, like the TCP ports.
func handshakeConn(c net.Conn, cfg *tls.Config) {
	c.SetDeadline(time.Now().Add(idleTimeout))
	tc := tls.Server(c, cfg)
	if err := tc.Handshake(); err != nil {
		return
	}
	echoConn(tc)
}

func closeUDP(cs []*net.UDPConn) {
	for _, c := range cs {
		c.Close()
	}
}

func echoConn(c net.Conn) {
	buf := make([]byte, 4096)
	for {
		c.SetDeadline(time.Now().Add(idleTimeout))
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// servers tracks a service's sockets and goroutines so Close can stop them
// all and wait.
type servers struct {
	mu     sync.Mutex
	closed bool
	socks  []io.Closer
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

func (s *servers) add(c io.Closer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.socks = append(s.socks, c)
}

func (s *servers) track(c net.Conn, on bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		s.conns = map[net.Conn]struct{}{}
	}
	if !on {
		delete(s.conns, c)
		return true
	}
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

// serveTCP accepts on ln and runs handle for each connection, which it
// closes afterwards.
func (s *servers) serveTCP(ln net.Listener, handle func(net.Conn)) {
	s.add(ln)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !s.track(c, true) {
				c.Close()
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer s.track(c, false)
				defer c.Close()
				handle(c)
			}()
		}
	}()
}

// listenUDP listens on each of ports (every address env.ListenUDP gives)
// and serves each socket with handle.
func (s *servers) listenUDP(env *Env, ports []uint16, handle func(*net.UDPConn, []byte, *net.UDPAddr)) error {
	for _, port := range ports {
		cs, err := env.ListenUDP(port)
		if err != nil {
			return err
		}
		for _, c := range cs {
			s.serveUDP(c, handle)
		}
	}
	return nil
}

// serveUDP reads datagrams on c and passes each to handle.
func (s *servers) serveUDP(c *net.UDPConn, handle func(*net.UDPConn, []byte, *net.UDPAddr)) {
	s.add(c)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		buf := make([]byte, 65536)
		for {
			n, peer, err := c.ReadFromUDP(buf)
			if err != nil {
				return
			}
			handle(c, buf[:n], peer)
		}
	}()
}

// Close closes every socket and connection and waits for the goroutines.
func (s *servers) Close() error {
	s.mu.Lock()
	s.closed = true
	for _, c := range s.socks {
		c.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}
