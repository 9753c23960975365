package lab

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// controlPlaneParams are a control-plane API server's parameters.
type controlPlaneParams struct {
	Port uint16 `yaml:"port"` // HTTPS port, default 443
	// ServerTime is how long the server works on each request before it
	// answers (default 1ms).
	ServerTime time.Duration `yaml:"server_time"`
	// Backend is another lab service or host the front end consults on
	// every request: a TCP connect and one echo exchange on BackendPort
	// (default 7, a landmark's echo port). Its distance is the forwarder's:
	// place the backend far away and the front end near.
	Backend     string `yaml:"backend"`
	BackendPort uint16 `yaml:"backend_port"`
	// Names are extra DNS names for the certificate.
	Names []string `yaml:"names"`
}

// controlPlane is a provider API: HTTPS with a lab-CA certificate, a fixed
// server time and an optional backend hop per request.
type controlPlane struct {
	p       controlPlaneParams
	env     *Env
	backend netip.AddrPort
	srvs    []*http.Server
	servers
}

func newControlPlane(decode func(any) error) (Service, error) {
	c := &controlPlane{p: controlPlaneParams{Port: 443, ServerTime: time.Millisecond, BackendPort: 7}}
	if err := decode(&c.p); err != nil {
		return nil, err
	}
	if c.p.ServerTime < 0 || c.p.ServerTime > time.Minute {
		return nil, fmt.Errorf("server_time: %s is not between 0 and 1m", c.p.ServerTime)
	}
	return c, nil
}

func (c *controlPlane) Start(ctx context.Context, env *Env) error {
	c.env = env
	if c.p.Backend != "" {
		addrs, err := env.Topology.Addrs(c.p.Backend)
		if err != nil || len(addrs) == 0 {
			return fmt.Errorf("backend %q: %w", c.p.Backend, errors.Join(err, errors.New("no address")))
		}
		c.backend = netip.AddrPortFrom(addrs[0], c.p.BackendPort)
	}
	cert, err := env.CA.Issue(append([]string{env.Name}, c.p.Names...), env.Addrs)
	if err != nil {
		return fmt.Errorf("issuing the control plane's certificate: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	ls, err := env.ListenTCP(c.p.Port)
	if err != nil {
		return err
	}
	for _, ln := range ls {
		srv := &http.Server{ErrorLog: env.HTTPErrorLog(), ReadHeaderTimeout: idleTimeout, IdleTimeout: idleTimeout, TLSConfig: cfg, Handler: c}
		c.srvs = append(c.srvs, srv)
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			srv.ServeTLS(ln, "", "")
		}()
	}
	return nil
}

// answer is what the API returns: enough for a test to see what happened.
type answer struct {
	Service    string `json:"service"`
	ServerTime string `json:"server_time"`
	Backend    string `json:"backend,omitempty"`
	BackendRTT string `json:"backend_rtt,omitempty"`
	Error      string `json:"error,omitempty"`
}

func (c *controlPlane) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a := answer{Service: c.env.Name, ServerTime: c.p.ServerTime.String()}
	t := time.NewTimer(c.p.ServerTime)
	select {
	case <-r.Context().Done():
		t.Stop()
		return
	case <-t.C:
	}
	status := http.StatusOK
	if c.backend.IsValid() {
		a.Backend = c.backend.String()
		rtt, err := c.hop(r.Context())
		if err != nil {
			a.Error, status = err.Error(), http.StatusBadGateway
		}
		a.BackendRTT = rtt.String()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(a)
}

// hop connects to the backend from the service's own address (so the
// forwarder delays it by the service's location) and exchanges one line.
func (c *controlPlane) hop(ctx context.Context) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	began := time.Now()
	var conn net.Conn
	err := InNamespace(c.env.Namespace, func() (err error) {
		local := &net.TCPAddr{IP: net.IP(c.env.Addrs[0].AsSlice())}
		if c.backend.Addr().Is6() != c.env.Addrs[0].Is6() {
			local = nil
		}
		d := net.Dialer{LocalAddr: local}
		conn, err = d.DialContext(ctx, "tcp", c.backend.String())
		return err
	})
	if err != nil {
		return time.Since(began), fmt.Errorf("dialing backend %s: %w", c.backend, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	msg := []byte("sovbench-backend " + strconv.FormatInt(began.UnixNano(), 10) + "\n")
	if _, err := conn.Write(msg); err != nil {
		return time.Since(began), fmt.Errorf("writing to backend: %w", err)
	}
	buf := make([]byte, len(msg))
	for n := 0; n < len(buf); {
		k, err := conn.Read(buf[n:])
		if err != nil {
			return time.Since(began), fmt.Errorf("reading from backend: %w", err)
		}
		n += k
	}
	return time.Since(began), nil
}

func (c *controlPlane) Close() error {
	for _, s := range c.srvs {
		s.Close()
	}
	return c.servers.Close()
}
