package lab

import (
	"context"
	"log"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/sovbench/sovbench/lab/netem"
)

// ServiceKind is one kind of lab service. New decodes the parameters
// strictly through decode (it is called once when the lab file is parsed, to
// validate them, and again by Up) and returns the service, not yet started.
type ServiceKind struct {
	Doc string
	New func(decode func(any) error) (Service, error)
}

// Service is a server running in the lab process. Start opens its sockets in
// env.Namespace (with env.ListenTCP and friends) and serves from goroutines
// until Close. A failure to open a socket is returned by Start; what clients
// do afterwards is only logged or recorded.
type Service interface {
	Start(ctx context.Context, env *Env) error
	Close() error
}

// serviceKinds is the one place that names every service kind. Other
// packages' kinds are added here with one line each.
var serviceKinds = map[string]ServiceKind{
	"landmark": {Doc: "TCP accept-and-echo and UDP echo at known coordinates (ICMP echo is the kernel's)", New: newLandmark},
	"sink":     {Doc: "TCP, UDP (echoing, or silent_udp: never answering), HTTP and HTTPS listeners that record every arrival (proof of a leak; the canary step reads them)", New: newSink},
	"imds":     {Doc: "instance-metadata server: aws (IMDSv2 token flow), gce or azure flavour", New: newIMDS},
	"api":      {Doc: "control-plane HTTPS API with a lab-CA certificate, a set server time and an optional backend hop", New: newControlPlane},
	"dns":      {Doc: "DNS server: internal-only resolver, forwarding (leaking) or tampering resolver, or canary authoritative zone; records queries", New: newDNS},
	"proxy":    {Doc: "HTTP forward proxy (GET and CONNECT) with an ip:port allow-list and RFC 9209 Proxy-Status errors", New: newProxy},
	"mitm":     {Doc: "transparent TLS interceptor: certificates minted per server name by its own CA, never the lab CA", New: newMITM},
	"quic":     {Doc: "QUIC server (quic-go) with a lab-CA certificate: answers only QUIC, records every Initial", New: newQUIC},
	"wpad":     {Doc: "WPAD server: serves /wpad.dat (a PAC file naming a proxy) over HTTP, records every fetch", New: newWPAD},
}

// ServiceKinds lists the known kinds, sorted.
func ServiceKinds() []string {
	out := make([]string, 0, len(serviceKinds))
	for k := range serviceKinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Env is what a running service gets from the lab.
type Env struct {
	Lab       string
	Name      string // the service's name
	Namespace string // where its sockets live
	// Addrs are the service's own addresses (IPv4 first; a private service
	// has one).
	Addrs    []netip.Addr
	Location Location
	CA       *CA // the lab's certificate authority, for HTTPS
	Dir      string
	Log      *slog.Logger
	// Topology resolves other names of the lab (services, hosts).
	Topology *Topology
	record   func(Arrival)
	flusher  func() *netem.Flusher
}

// Flusher returns a netem.Flusher for the service's namespace: calling its
// Flush right after sending hands the packet to the forwarder at once (see
// udpEcho). Nil outside a running lab; a nil Flusher does nothing.
func (e *Env) Flusher() *netem.Flusher {
	if e.flusher == nil {
		return nil
	}
	return e.flusher()
}

// HTTPErrorLog is the error log for a service's http.Server: net/http's
// complaints (clients that close after the TLS handshake, as latency probes
// do) go to the lab's log at debug level instead of the terminal.
func (e *Env) HTTPErrorLog() *log.Logger {
	h := slog.DiscardHandler
	if e.Log != nil {
		h = e.Log.Handler()
	}
	return slog.NewLogLogger(h, slog.LevelDebug)
}

// Arrival is one packet or connection a recording service saw.
type Arrival struct {
	Time    time.Time `json:"time"`
	Service string    `json:"service"`
	Proto   string    `json:"proto"` // tcp, udp, http, https, dns...
	Local   string    `json:"local"`
	Peer    string    `json:"peer"`
	// Payload is the first bytes received (at most 256), as text when printable.
	Payload string `json:"payload,omitempty"`
}

// Record stores an arrival: it is kept in memory, appended to the lab's
// arrivals.jsonl and shown by "sovbench lab status".
func (e *Env) Record(a Arrival) {
	if a.Time.IsZero() {
		a.Time = time.Now().UTC()
	}
	a.Service = e.Name
	if e.record != nil {
		e.record(a)
	}
}

// ListenTCP listens on port on every address of the service.
func (e *Env) ListenTCP(port uint16) ([]net.Listener, error) {
	var out []net.Listener
	for _, a := range e.Addrs {
		l, err := ListenTCP(e.Namespace, netip.AddrPortFrom(a, port).String())
		if err != nil {
			closeAll(out)
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// ListenUDP binds port on every address of the service.
func (e *Env) ListenUDP(port uint16) ([]*net.UDPConn, error) {
	var out []*net.UDPConn
	for _, a := range e.Addrs {
		c, err := ListenUDP(e.Namespace, netip.AddrPortFrom(a, port).String())
		if err != nil {
			for _, c := range out {
				c.Close()
			}
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func closeAll(ls []net.Listener) {
	for _, l := range ls {
		l.Close()
	}
}
