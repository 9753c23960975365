package lab

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
	"unicode/utf8"
)

// sinkParams are a sink's parameters.
type sinkParams struct {
	TCP []uint16 `yaml:"tcp"` // record the first bytes, then echo
	UDP []uint16 `yaml:"udp"` // record each datagram, echo it
	// SilentUDP ports record each datagram and never answer: a far end
	// that speaks no protocol the probe knows, seen from the host as a
	// timeout; only the record (the auditor's canary) shows the leak.
	SilentUDP []uint16 `yaml:"silent_udp"`
	HTTP      []uint16 `yaml:"http"`  // record each request, answer 200
	HTTPS     []uint16 `yaml:"https"` // same over TLS with a lab-CA certificate
	NTP       []uint16 `yaml:"ntp"`   // record each request, answer as an NTP server (never echo)
	QUIC      []uint16 `yaml:"quic"`  // a QUIC server (see the quic kind) on these UDP ports
	// Names are extra DNS names in the HTTPS certificate.
	Names []string `yaml:"names"`
}

// sink records every arrival: positive proof that something got through.
type sink struct {
	p sinkParams
	servers
	https []*http.Server
	quic  *quicService
}

func newSink(decode func(any) error) (Service, error) {
	s := &sink{}
	if err := decode(&s.p); err != nil {
		return nil, err
	}
	if len(s.p.TCP)+len(s.p.UDP)+len(s.p.SilentUDP)+len(s.p.HTTP)+len(s.p.HTTPS)+len(s.p.NTP)+len(s.p.QUIC) == 0 {
		return nil, errors.New("a sink needs at least one of tcp, udp, silent_udp, http, https, ntp, quic ports")
	}
	return s, nil
}

func (s *sink) Start(ctx context.Context, env *Env) error {
	if err := s.start(env); err != nil {
		s.Close()
		return err
	}
	return nil
}

func (s *sink) start(env *Env) error {
	for _, port := range s.p.TCP {
		ls, err := env.ListenTCP(port)
		if err != nil {
			return err
		}
		for _, ln := range ls {
			s.serveTCP(ln, func(c net.Conn) { sinkTCP(env, c) })
		}
	}
	if err := s.startUDP(env); err != nil {
		return err
	}
	if len(s.p.QUIC) > 0 {
		s.quic = &quicService{p: quicParams{Ports: s.p.QUIC, ALPN: []string{"h3", "sovbench"}, Names: s.p.Names}}
		if err := s.quic.Start(context.Background(), env); err != nil {
			return err
		}
	}
	if err := s.startNTP(env); err != nil {
		return err
	}
	var cfg *tls.Config
	if len(s.p.HTTPS) > 0 {
		cert, err := env.CA.Issue(append([]string{env.Name}, s.p.Names...), env.Addrs)
		if err != nil {
			return fmt.Errorf("issuing the sink's certificate: %w", err)
		}
		cfg = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	for _, port := range append(s.p.HTTP, s.p.HTTPS...) {
		proto, tc := "http", (*tls.Config)(nil)
		if port != 0 && containsPort(s.p.HTTPS, port) {
			proto, tc = "https", cfg
		}
		ls, err := env.ListenTCP(port)
		if err != nil {
			return err
		}
		for _, ln := range ls {
			s.serveHTTP(env, ln, proto, tc)
		}
	}
	return nil
}

func (s *sink) serveHTTP(env *Env, ln net.Listener, proto string, cfg *tls.Config) {
	srv := &http.Server{ErrorLog: env.HTTPErrorLog(), ReadHeaderTimeout: idleTimeout, IdleTimeout: idleTimeout, TLSConfig: cfg,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			env.Record(Arrival{Proto: proto, Local: ln.Addr().String(), Peer: r.RemoteAddr,
				Payload: prefix([]byte(r.Method + " " + r.Host + r.URL.RequestURI()))})
			fmt.Fprintf(w, "sovbench sink %s\n", env.Name)
		})}
	s.https = append(s.https, srv)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if cfg != nil {
			srv.ServeTLS(ln, "", "")
			return
		}
		srv.Serve(ln)
	}()
}

func (s *sink) Close() error {
	for _, srv := range s.https {
		srv.Close()
	}
	if s.quic != nil {
		s.quic.Close()
	}
	return s.servers.Close()
}

func sinkTCP(env *Env, c net.Conn) {
	buf := make([]byte, 4096)
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, _ := c.Read(buf)
	env.Record(Arrival{Proto: "tcp", Local: c.LocalAddr().String(), Peer: c.RemoteAddr().String(), Payload: prefix(buf[:n])})
	if n > 0 {
		c.Write(buf[:n])
		echoConn(c)
	}
}

func containsPort(ports []uint16, p uint16) bool {
	for _, q := range ports {
		if q == p {
			return true
		}
	}
	return false
}

// prefix returns the first 256 bytes of b, as text when it is valid UTF-8
// and as a Go-quoted string otherwise.
func prefix(b []byte) string {
	if len(b) > 256 {
		b = b[:256]
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return fmt.Sprintf("%q", b)
}

// ntpAnswer is a stratum-2 server's answer to an NTP client request (mode
// 3): origin = the request's transmit time, receive and transmit = now.
func ntpAnswer(req []byte, now time.Time) ([]byte, bool) {
	if len(req) < 48 || req[0]&7 != 3 {
		return nil, false
	}
	resp := make([]byte, 48)
	resp[0] = 0<<6 | (req[0]>>3&7)<<3 | 4
	resp[1], resp[2], resp[3] = 2, req[2], 0xec
	copy(resp[12:16], "LAB\x00")
	copy(resp[24:32], req[40:48])
	secs := uint64(now.Unix()+2208988800)<<32 | uint64(now.Nanosecond())*(1<<32)/1e9
	for _, off := range []int{16, 32, 40} {
		binary.BigEndian.PutUint64(resp[off:], secs)
	}
	return resp, true
}

// startNTP answers NTP client requests on the NTP ports, recording each.
func (s *sink) startNTP(env *Env) error {
	return s.listenUDP(env, s.p.NTP, func(c *net.UDPConn, b []byte, peer *net.UDPAddr) {
		env.Record(Arrival{Proto: "ntp", Local: c.LocalAddr().String(), Peer: peer.String(), Payload: fmt.Sprintf("%x", b[:min(len(b), 48)])})
		if resp, ok := ntpAnswer(b, time.Now()); ok {
			c.WriteToUDP(resp, peer)
		}
	})
}

// startUDP starts the echoing and the silent UDP ports.
func (s *sink) startUDP(env *Env) error {
	record := func(c *net.UDPConn, b []byte, peer *net.UDPAddr) {
		env.Record(Arrival{Proto: "udp", Local: c.LocalAddr().String(), Peer: peer.String(), Payload: prefix(b)})
	}
	if err := s.listenUDP(env, s.p.UDP, func(c *net.UDPConn, b []byte, peer *net.UDPAddr) {
		record(c, b, peer)
		c.WriteToUDP(b, peer)
	}); err != nil {
		return err
	}
	return s.listenUDP(env, s.p.SilentUDP, record)
}
