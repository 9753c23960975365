package lab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// wpadParams are a WPAD server's parameters.
type wpadParams struct {
	Port uint16 `yaml:"port"` // HTTP port, default 80
	// Proxy is what the PAC file names: "service:port" or "address:port".
	Proxy string `yaml:"proxy"`
}

// wpadService serves the proxy auto-config file a browser finds through
// WPAD (http://wpad.<search domain>/wpad.dat).
type wpadService struct {
	p   wpadParams
	pac string
	servers
	srv []*http.Server
}

func newWPAD(decode func(any) error) (Service, error) {
	s := &wpadService{p: wpadParams{Port: 80}}
	if err := decode(&s.p); err != nil {
		return nil, err
	}
	if _, _, ok := strings.Cut(s.p.Proxy, ":"); !ok {
		return nil, errors.New("proxy: want service:port or address:port")
	}
	return s, nil
}

// proxyAddr resolves the PAC file's proxy in the lab.
func (s *wpadService) proxyAddr(t *Topology) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(s.p.Proxy); err == nil {
		return ap, nil
	}
	name, port, _ := strings.Cut(s.p.Proxy, ":")
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 {
		return netip.AddrPort{}, fmt.Errorf("proxy %q: bad port", s.p.Proxy)
	}
	addrs, err := t.Addrs(name)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("proxy: %w", err)
	}
	return netip.AddrPortFrom(addrs[0], uint16(n)), nil
}

func (s *wpadService) Start(ctx context.Context, env *Env) error {
	ap, err := s.proxyAddr(env.Topology)
	if err != nil {
		return err
	}
	s.pac = fmt.Sprintf("function FindProxyForURL(url, host) {\n  return \"PROXY %s; DIRECT\";\n}\n", ap)
	ls, err := env.ListenTCP(s.p.Port)
	if err != nil {
		return err
	}
	for _, ln := range ls {
		srv := &http.Server{ErrorLog: env.HTTPErrorLog(), ReadHeaderTimeout: idleTimeout, IdleTimeout: idleTimeout,
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				env.Record(Arrival{Proto: "http", Local: ln.Addr().String(), Peer: r.RemoteAddr, Payload: prefix([]byte(r.Method + " " + r.Host + r.URL.RequestURI()))})
				if r.URL.Path != "/wpad.dat" && r.URL.Path != "/proxy.pac" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/x-ns-proxy-autoconfig")
				fmt.Fprint(w, s.pac)
			})}
		s.srv = append(s.srv, srv)
		s.wg.Add(1)
		go func() { defer s.wg.Done(); srv.Serve(ln) }()
	}
	return nil
}

func (s *wpadService) Close() error {
	for _, srv := range s.srv {
		srv.Close()
	}
	return s.servers.Close()
}
