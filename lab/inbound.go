package lab

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
)

// Inbound actions and reject kinds (InboundRule.Action, InboundRule.With).
const (
	InboundAccept = "accept"
	InboundReject = "reject"
	InboundDrop   = "drop"

	RejectRST        = "rst"        // TCP reset
	RejectICMP       = "icmp"       // ICMP port unreachable (ECONNREFUSED for TCP and UDP)
	RejectProhibited = "prohibited" // ICMP administratively prohibited (EHOSTUNREACH)
)

// checkInbound validates an inbound policy and fills each reject's default
// (rst for tcp, icmp otherwise).
func checkInbound(rules []InboundRule) error {
	for i := range rules {
		r := &rules[i]
		switch r.Proto {
		case "tcp", "udp":
		case "icmp":
			if len(r.Ports) > 0 {
				return fmt.Errorf("[%d].ports: icmp has no ports", i)
			}
		default:
			return fmt.Errorf("[%d].proto: %q: want tcp, udp or icmp", i, r.Proto)
		}
		switch r.Action {
		case InboundAccept, InboundDrop:
			if r.With != "" {
				return fmt.Errorf("[%d].with: only a reject says how", i)
			}
		case InboundReject:
			if r.With == "" {
				r.With = RejectICMP
				if r.Proto == "tcp" {
					r.With = RejectRST
				}
			}
			switch {
			case r.With == RejectRST && r.Proto != "tcp":
				return fmt.Errorf("[%d].with: rst is for tcp only", i)
			case r.With != RejectRST && r.With != RejectICMP && r.With != RejectProhibited:
				return fmt.Errorf("[%d].with: %q: want rst, icmp or prohibited", i, r.With)
			}
		default:
			return fmt.Errorf("[%d].action: %q: want accept, reject or drop", i, r.Action)
		}
	}
	return nil
}

// hostExtras resolves a host's resolver search domains, gateway, /etc files
// and inbound policy.
func (b *builder) hostExtras(h *Host, hs hostSpec) error {
	h.DNSSearch = hs.DNSSearch
	if hs.Gateway != "" {
		addrs, err := b.t.Addrs(hs.Gateway)
		if err != nil {
			return fmt.Errorf("gateway: %w", err)
		}
		h.Gateway = addrs
	}
	for name := range hs.Etc {
		if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") || name == "resolv.conf" && len(hs.DNS) > 0 {
			return fmt.Errorf("etc: %q: want a plain file name under /etc (resolv.conf comes from dns)", name)
		}
	}
	h.Etc = hs.Etc
	if err := checkInbound(hs.Inbound); err != nil {
		return fmt.Errorf("inbound%w", err)
	}
	h.Inbound = hs.Inbound
	return nil
}

// inboundRules returns the nftables input rules enforcing every inbound
// policy of the addresses in one namespace, or "" when there is none.
func inboundRules(policies []addrPolicy) string {
	var b strings.Builder
	for _, p := range policies {
		for _, a := range p.addrs {
			for _, r := range p.rules {
				fam, icmp := "ip", "icmp"
				if a.Is6() {
					fam, icmp = "ip6", "ipv6-icmp"
				}
				match := fmt.Sprintf("%s daddr %s", fam, a)
				switch {
				case r.Proto == "icmp":
					match += " meta l4proto " + icmp
				case len(r.Ports) > 0:
					match += portMatch(r.Proto, r.Ports)
				default:
					match += " meta l4proto " + r.Proto
				}
				fmt.Fprintf(&b, "\t\t%s %s\n", match, verdict(r))
			}
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "table inet sovbench_in {\n\tchain inbound {\n\t\ttype filter hook input priority filter; policy accept;\n" + b.String() + "\t}\n}\n"
}

func verdict(r InboundRule) string {
	switch {
	case r.Action != InboundReject:
		return r.Action
	case r.With == RejectRST:
		return "reject with tcp reset"
	case r.With == RejectProhibited:
		return "reject with icmpx admin-prohibited"
	}
	return "reject with icmpx port-unreachable"
}

// addrPolicy is an inbound policy and the addresses it guards.
type addrPolicy struct {
	addrs []netip.Addr
	rules []InboundRule
}

// etcFiles are the /etc/netns files of a host: its etc map and a
// resolv.conf, always, so that a host without dns sees no resolver rather
// than this machine's.
func etcFiles(h *Host) map[string]string {
	out := map[string]string{}
	for k, v := range h.Etc {
		out[k] = v
	}
	var b strings.Builder
	b.WriteString("# written by sovbench lab\n")
	if len(h.DNSSearch) > 0 {
		b.WriteString("search " + strings.Join(h.DNSSearch, " ") + "\n")
	}
	for _, a := range h.DNS {
		fmt.Fprintf(&b, "nameserver %s\n", a)
	}
	out["resolv.conf"] = b.String()
	return out
}

// gatewayLines returns the default routes through a host's gateway.
func gatewayLines(h *Host, src4, src6 netip.Addr) []string {
	var out []string
	seen := map[bool]bool{}
	for _, g := range h.Gateway {
		src := src4
		if g.Is6() {
			src = src6
		}
		if seen[g.Is6()] {
			continue
		}
		seen[g.Is6()] = true
		out = append(out, fmt.Sprintf("route add default via %s dev %s onlink src %s", g, tunDevice, src))
	}
	return out
}
