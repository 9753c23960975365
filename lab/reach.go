package lab

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// The expected outcomes in Reach.Expect: a TCP connect from the host to the
// destination's ports succeeds (ok) or fails with this failure class.
const (
	ExpectOK          = "ok"
	ExpectUnreachable = "unreachable"
	ExpectRefused     = "refused"
	ExpectTimeout     = "timeout"
)

// computeReach fills every host's ground truth: the outcome of connecting to
// each service of the lab that is not private to its host.
func computeReach(t *Topology) {
	for pi := range t.Providers {
		for hi := range t.Providers[pi].Hosts {
			h := &t.Providers[pi].Hosts[hi]
			h.Reach = nil
			for _, s := range t.Services {
				if s.Local && s.At != h.Name {
					continue
				}
				r := Reach{To: s.Name}
				r.Expect, r.Ports = expectTo(t, &t.Providers[pi], h, s)
				h.Reach = append(h.Reach, r)
			}
		}
	}
}

// expectTo is the outcome from host h of provider p to service s.
func expectTo(t *Topology, p *Provider, h *Host, s ServiceInfo) (string, []string) {
	if s.At == h.Name {
		return ExpectOK, nil
	}
	dst := s.Addrs[0]
	expect, ports := outbound(p, h.Egress, dst)
	if expect != ExpectOK && len(ports) == 0 {
		return expect, nil
	}
	// The reply must get back: a destination host that cannot route to h
	// (none) or blackholes it (drop) leaves h waiting.
	if s.At != "internet" {
		dh, _ := t.Host(s.At)
		dp := t.provider(s.At)
		if dp != p && (dh.Egress.Policy == PolicyNone || dh.Egress.Policy == PolicyDrop) {
			return ExpectTimeout, nil
		}
	}
	return expect, ports
}

// outbound is what h's own policy does to a connection towards dst: the
// outcome, and the proto/ports that are allowed when only some are.
func outbound(p *Provider, eg Egress, dst netip.Addr) (string, []string) {
	for _, pf := range p.Prefixes {
		if pf.Contains(dst) {
			return ExpectOK, nil
		}
	}
	switch eg.Policy {
	case PolicyNone:
		return ExpectUnreachable, nil
	case PolicyDrop:
		return ExpectTimeout, nil
	case PolicyReject:
		return ExpectRefused, nil
	case PolicyOpen:
		return ExpectOK, nil
	case PolicyProxyOnly:
		if eg.Proxy.Addr() == dst || eg.Proxy.Addr() == sibling(dst) {
			return ExpectRefused, []string{fmt.Sprintf("tcp/%d", eg.Proxy.Port())}
		}
		return ExpectRefused, nil
	}
	var ports []string
	for _, r := range eg.Allow {
		if !slices.ContainsFunc(r.Prefixes, func(pf netip.Prefix) bool { return pf.Contains(dst) || pf.Contains(sibling(dst)) }) {
			continue
		}
		if r.Proto == "" || len(r.Ports) == 0 && r.Proto == "tcp" {
			return ExpectOK, nil
		}
		for _, port := range r.Ports {
			ports = append(ports, fmt.Sprintf("%s/%d", r.Proto, port))
		}
	}
	slices.Sort(ports)
	ports = slices.Compact(ports)
	return ExpectRefused, ports
}

// sibling returns the IPv4/IPv6 twin of a lab address (itself otherwise).
func sibling(a netip.Addr) netip.Addr {
	if a.Is4() && Prefix4.Contains(a) {
		return V6Of(a)
	}
	if a.Is6() && Prefix6.Contains(a) {
		b := a.As16()
		return netip.AddrFrom4([4]byte{198, 18 + b[6], b[7], b[15]})
	}
	return a
}

// String renders a reach line for text output.
func (r Reach) String() string {
	if len(r.Ports) == 0 {
		return r.To + ": " + r.Expect
	}
	return fmt.Sprintf("%s: %s except %s", r.To, r.Expect, strings.Join(r.Ports, ", "))
}
