package egress

import (
	"context"
	"net"
	"strconv"

	"github.com/miekg/dns"

	"github.com/sovbench/sovbench/results"
)

// discoverProxies finds the proxies the host's configuration points at:
// system configuration files, WPAD (a PAC URL from a DHCP lease, or
// wpad.<search domain> through the host's resolver) and HTTP proxy ports
// open on the host's gateways. Each lookup has the attempt deadline. What
// is found is the host's word: it is tried, never trusted.
func (e *egressProbe) discoverProxies(ctx context.Context, ri resolverInfo) []results.ProxyFound {
	pd := e.p.ProxyDiscovery
	if pd.Off {
		return nil
	}
	var s proxySet
	s.list = append(s.list, e.proxies...)
	for _, p := range configProxies(pd.Files) {
		s.add(p.URL, p.Source)
	}
	for pacURL, src := range leaseWPAD(pd.Leases) {
		for _, p := range e.pac(ctx, pacURL, "") {
			s.add(p, "wpad:"+pacURL+" ("+src+")")
		}
	}
	if ri.server != "" {
		for _, name := range wpadNames(ri.search) {
			for _, ip := range e.lookup(ctx, ri.server, name) {
				pacURL := "http://" + name + "/wpad.dat"
				for _, p := range e.pac(ctx, pacURL, net.JoinHostPort(ip, "80")) {
					s.add(p, "wpad:"+pacURL+" via "+ip)
				}
			}
		}
	}
	for _, gw := range gateways(pd.RouteTables[0], pd.RouteTables[1]) {
		for _, port := range pd.GatewayPorts {
			addr := net.JoinHostPort(gw.String(), strconv.Itoa(port))
			if openPort(ctx, addr, e.p.AttemptTimeout) {
				s.add("http://"+addr, "gateway")
			}
		}
	}
	return s.list[len(e.proxies):]
}

// pac fetches a PAC file, dialling dial instead of the URL's host when set.
func (e *egressProbe) pac(ctx context.Context, pacURL, dial string) []string {
	ctx, cancel := context.WithTimeout(ctx, e.p.AttemptTimeout)
	defer cancel()
	if dial == "" {
		return fetchPAC(ctx, pacURL, nil)
	}
	var d net.Dialer
	return fetchPAC(ctx, pacURL, func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, dial)
	})
}

// lookup asks the resolver for the A and AAAA records of name.
func (e *egressProbe) lookup(ctx context.Context, server, name string) []string {
	var out []string
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(name), t)
		c := &dns.Client{Net: "udp", Timeout: e.p.AttemptTimeout}
		qctx, cancel := context.WithTimeout(ctx, e.p.AttemptTimeout)
		r, _, err := c.ExchangeContext(qctx, m, server)
		cancel()
		if err != nil || r.Rcode != dns.RcodeSuccess {
			continue
		}
		for _, rr := range r.Answer {
			switch v := rr.(type) {
			case *dns.A:
				out = append(out, v.A.String())
			case *dns.AAAA:
				out = append(out, v.AAAA.String())
			}
		}
	}
	return out
}

// dialFunc dials for an HTTP transport.
type dialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)
