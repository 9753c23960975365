package lab

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// dnsParams are a DNS service's parameters.
type dnsParams struct {
	// Mode is internal (answers its zone, REFUSED for the rest), forward
	// (recurses to Upstream for the rest: a leak), tamper (forwards, then
	// rewrites every A answer to TamperTo) or canary (authoritative for
	// Zone: echoes each name in TXT and records its arrival).
	Mode string `yaml:"mode"`
	// Zone is the internal zone (internal/forward/tamper) or the canary zone.
	Zone string `yaml:"zone"`
	// Records are the zone's A/AAAA records: name (relative or absolute) ->
	// addresses (space-separated) or a lab name (a service or provider/host:
	// every address it has, so a dual-stack name gets A and AAAA records).
	Records map[string]string `yaml:"records"`
	// Upstream is ip:port of the resolver forwarded to (forward and tamper).
	Upstream string `yaml:"upstream"`
	// CanaryZone, in any mode, is answered authoritatively: a TXT query for
	// any name under it gets that name back, and its arrival is recorded.
	CanaryZone string `yaml:"canary_zone"`
	// TamperTo is the address a tampering resolver answers instead.
	TamperTo string `yaml:"tamper_to"`
	Port     uint16 `yaml:"port"` // default 53
}

// CanaryTXTPrefix starts a canary server's TXT answer; the egress probe
// checks it (probes.CanaryPrefix).
const CanaryTXTPrefix = "sovbench-canary "

// dnsService is a resolver or canary authoritative server; it records every
// query it receives as an arrival (proto "dns", payload "QTYPE name").
type dnsService struct {
	p       dnsParams
	records map[string][]netip.Addr
	names   map[string]string // lab names resolved at Start
	servers
}

func newDNS(decode func(any) error) (Service, error) {
	s := &dnsService{p: dnsParams{Port: 53}}
	if err := decode(&s.p); err != nil {
		return nil, err
	}
	switch s.p.Mode {
	case "internal", "canary":
	case "forward", "tamper":
		if _, err := netip.ParseAddrPort(s.p.Upstream); err != nil {
			return nil, fmt.Errorf("upstream: %q is not ip:port", s.p.Upstream)
		}
	default:
		return nil, fmt.Errorf("mode: %q is not internal, forward, tamper or canary", s.p.Mode)
	}
	if s.p.Zone == "" {
		return nil, fmt.Errorf("zone: missing")
	}
	if s.p.Mode == "tamper" {
		if _, err := netip.ParseAddr(s.p.TamperTo); err != nil {
			return nil, fmt.Errorf("tamper_to: %q is not an address", s.p.TamperTo)
		}
	}
	s.records, s.names = map[string][]netip.Addr{}, map[string]string{}
	for name, v := range s.p.Records {
		fields := strings.Fields(v)
		if len(fields) == 0 {
			return nil, fmt.Errorf("records.%s: empty", name)
		}
		for _, a := range fields {
			ip, err := netip.ParseAddr(a)
			if err != nil {
				if len(fields) > 1 || !nameRE.MatchString(strings.ReplaceAll(a, "/", "-")) {
					return nil, fmt.Errorf("records.%s: %q is not an address or a lab name", name, a)
				}
				s.names[s.fqdn(name)] = a
				break
			}
			s.records[s.fqdn(name)] = append(s.records[s.fqdn(name)], ip)
		}
	}
	return s, nil
}

// resolveNames gives the records that name a lab service or host their
// addresses.
func (s *dnsService) resolveNames(t *Topology) error {
	for fq, name := range s.names {
		addrs, err := t.Addrs(name)
		if err != nil {
			return fmt.Errorf("dns records: %w", err)
		}
		s.records[fq] = addrs
	}
	return nil
}

func (s *dnsService) fqdn(name string) string {
	name = strings.ToLower(name)
	if strings.HasSuffix(name, ".") {
		return name
	}
	return name + "." + dns.Fqdn(strings.ToLower(s.p.Zone))
}

// Start serves until Close; ctx only bounds starting (it ends when Up returns).
func (s *dnsService) Start(_ context.Context, env *Env) error {
	if err := s.resolveNames(env.Topology); err != nil {
		return err
	}
	cs, err := env.ListenUDP(s.p.Port)
	if err != nil {
		return err
	}
	for _, c := range cs {
		s.serveUDP(c, func(c *net.UDPConn, b []byte, peer *net.UDPAddr) {
			req := new(dns.Msg)
			if req.Unpack(b) != nil || len(req.Question) != 1 {
				return
			}
			q := req.Question[0]
			env.Record(Arrival{Proto: "dns", Local: c.LocalAddr().String(), Peer: peer.String(),
				Payload: dns.TypeToString[q.Qtype] + " " + q.Name})
			s.wg.Add(1)
			go func() { // forwarding waits on the upstream: do not block the socket
				defer s.wg.Done()
				if out, err := s.answer(context.Background(), env, req).Pack(); err == nil {
					c.WriteToUDP(out, peer)
				}
			}()
		})
	}
	return nil
}

// answer builds the response to req according to the mode.
func (s *dnsService) answer(ctx context.Context, env *Env, req *dns.Msg) *dns.Msg {
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	m := new(dns.Msg)
	m.SetReply(req)
	m.RecursionAvailable = s.p.Mode == "forward" || s.p.Mode == "tamper"
	if s.p.CanaryZone != "" && dns.IsSubDomain(dns.Fqdn(strings.ToLower(s.p.CanaryZone)), name) {
		m.Authoritative = true
		s.canary(m, q, name)
		return m
	}
	if dns.IsSubDomain(dns.Fqdn(strings.ToLower(s.p.Zone)), name) {
		m.Authoritative = true
		if s.p.Mode == "canary" {
			s.canary(m, q, name)
		} else {
			s.local(m, q, name)
		}
		return m
	}
	if s.p.Mode == "internal" || s.p.Mode == "canary" {
		m.Rcode = dns.RcodeRefused
		return m
	}
	up, err := s.forward(ctx, env, req)
	if err != nil {
		m.Rcode = dns.RcodeServerFailure
		return m
	}
	up.Id = req.Id
	if s.p.Mode == "tamper" {
		tamper(up, netip.MustParseAddr(s.p.TamperTo))
	}
	return up
}

// local answers a name of the zone from the records (or the canary echo).
func (s *dnsService) local(m *dns.Msg, q dns.Question, name string) {
	ips, ok := s.records[name]
	if !ok {
		m.Rcode = dns.RcodeNameError
		return
	}
	for _, ip := range ips {
		hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Ttl: 0}
		switch {
		case q.Qtype == dns.TypeA && ip.Is4():
			hdr.Rrtype = dns.TypeA
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: ip.AsSlice()})
		case q.Qtype == dns.TypeAAAA && ip.Is6():
			hdr.Rrtype = dns.TypeAAAA
			m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr, AAAA: ip.AsSlice()})
		}
	}
}

// canary echoes the name in TXT (other types: NODATA).
func (s *dnsService) canary(m *dns.Msg, q dns.Question, name string) {
	if q.Qtype == dns.TypeTXT {
		hdr := dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET}
		m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr, Txt: []string{CanaryTXTPrefix + name}})
	}
}

// forward asks the upstream from the service's namespace.
func (s *dnsService) forward(ctx context.Context, env *Env, req *dns.Msg) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	c, err := Dial(ctx, env.Namespace, "udp", s.p.Upstream)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	dc := &dns.Conn{Conn: c}
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if err := dc.WriteMsg(req); err != nil {
		return nil, err
	}
	return dc.ReadMsg()
}

// tamper rewrites every A record of m to ip.
func tamper(m *dns.Msg, ip netip.Addr) {
	for _, rr := range m.Answer {
		if a, ok := rr.(*dns.A); ok && ip.Is4() {
			a.A = ip.AsSlice()
		}
	}
}

func (s *dnsService) Close() error { return s.servers.Close() }
