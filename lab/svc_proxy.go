package lab

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// proxyParams are an HTTP proxy's parameters.
type proxyParams struct {
	Port uint16 `yaml:"port"` // default 3128
	// Allow lists the ip:port destinations the proxy forwards to ("*":
	// every one); the rest get 403 with an RFC 9209 Proxy-Status
	// "http_request_denied".
	Allow []string `yaml:"allow"`
}

// httpProxy is a plain forward proxy (GET with an absolute URL, CONNECT)
// that dials from its own namespace and records every request.
type httpProxy struct {
	p   proxyParams
	env *Env
	servers
	srv []*http.Server
}

func newProxy(decode func(any) error) (Service, error) {
	s := &httpProxy{p: proxyParams{Port: 3128}}
	if err := decode(&s.p); err != nil {
		return nil, err
	}
	for i, a := range s.p.Allow {
		if _, err := netip.ParseAddrPort(a); err != nil && a != "*" {
			return nil, fmt.Errorf("allow[%d]: %q is not ip:port", i, a)
		}
	}
	return s, nil
}

func (s *httpProxy) Start(ctx context.Context, env *Env) error {
	s.env = env
	ls, err := env.ListenTCP(s.p.Port)
	if err != nil {
		return err
	}
	for _, ln := range ls {
		srv := &http.Server{ErrorLog: env.HTTPErrorLog(), Handler: s, ReadHeaderTimeout: idleTimeout, IdleTimeout: idleTimeout}
		s.srv = append(s.srv, srv)
		s.wg.Add(1)
		go func() { defer s.wg.Done(); srv.Serve(ln) }()
	}
	return nil
}

func proxyError(w http.ResponseWriter, code int, kind string) {
	w.Header().Set("Proxy-Status", "sovbench-lab-proxy; error="+kind)
	http.Error(w, kind, code)
}

// ServeHTTP forwards one request or tunnel, if the destination is allowed.
func (s *httpProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.env.Record(Arrival{Proto: "http-proxy", Peer: r.RemoteAddr, Payload: prefix([]byte(r.Method + " " + r.Host))})
	dst := r.Host
	if _, _, err := net.SplitHostPort(dst); err != nil {
		dst = net.JoinHostPort(dst, "80")
	}
	if !slices.Contains(s.p.Allow, dst) && !slices.Contains(s.p.Allow, "*") {
		proxyError(w, http.StatusForbidden, "http_request_denied")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	up, err := Dial(ctx, s.env.Namespace, "tcp", dst)
	if err != nil {
		proxyError(w, http.StatusBadGateway, "connection_refused")
		return
	}
	defer up.Close()
	if r.Method == http.MethodConnect {
		c, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		brw.WriteString("HTTP/1.1 200 Connection established\r\n\r\n")
		brw.Flush()
		go func() { io.Copy(up, c); up.Close() }()
		io.Copy(c, up)
		return
	}
	out := r.Clone(ctx)
	out.RequestURI = ""
	tr := &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) { return up, nil }, DisableKeepAlives: true}
	resp, err := tr.RoundTrip(out)
	if err != nil {
		proxyError(w, http.StatusBadGateway, "connection_terminated")
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Via", "1.1 sovbench-lab-proxy")
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, io.LimitReader(resp.Body, 1<<20))
}

func (s *httpProxy) Close() error {
	for _, srv := range s.srv {
		srv.Close()
	}
	return s.servers.Close()
}

// mitmParams are a TLS interceptor's parameters.
type mitmParams struct {
	Ports []uint16 `yaml:"ports"` // default [443]
}

// mitm terminates TLS for any server name with a certificate minted on the
// fly by its own CA (never the lab CA), records the arrival and answers
// HTTP 200: what a transparent TLS-intercepting middlebox presents.
type mitm struct {
	p    mitmParams
	ca   *CA
	mu   sync.Mutex
	made map[string]*tls.Certificate
	servers
	srv []*http.Server
}

func newMITM(decode func(any) error) (Service, error) {
	s := &mitm{p: mitmParams{Ports: []uint16{443}}, made: map[string]*tls.Certificate{}}
	if err := decode(&s.p); err != nil {
		return nil, err
	}
	if len(s.p.Ports) == 0 {
		return nil, errors.New("ports: at least one")
	}
	return s, nil
}

func (s *mitm) Start(ctx context.Context, env *Env) error {
	ca, err := NewCA("interceptor " + env.Name)
	if err != nil {
		return err
	}
	s.ca = ca
	cfg := &tls.Config{GetCertificate: s.certFor}
	for _, port := range s.p.Ports {
		ls, err := env.ListenTCP(port)
		if err != nil {
			return err
		}
		for _, ln := range ls {
			srv := &http.Server{ErrorLog: env.HTTPErrorLog(), ReadHeaderTimeout: idleTimeout, TLSConfig: cfg,
				Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					env.Record(Arrival{Proto: "https-intercepted", Local: ln.Addr().String(), Peer: r.RemoteAddr, Payload: prefix([]byte(r.Method + " " + r.Host))})
					fmt.Fprintln(w, "intercepted")
				})}
			s.srv = append(s.srv, srv)
			s.wg.Add(1)
			go func() { defer s.wg.Done(); srv.ServeTLS(ln, "", "") }()
		}
	}
	return nil
}

// certFor mints (once per name) a certificate for the requested server name.
func (s *mitm) certFor(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	name := hello.ServerName
	if name == "" {
		name = "intercepted.invalid"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.made[name]; ok {
		return c, nil
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(name); err == nil {
		addrs = append(addrs, a)
	}
	c, err := s.ca.Issue([]string{name}, addrs)
	if err != nil {
		return nil, err
	}
	s.made[name] = &c
	return &c, nil
}

func (s *mitm) Close() error {
	for _, srv := range s.srv {
		srv.Close()
	}
	return s.servers.Close()
}
