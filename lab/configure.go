package lab

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// Devices inside every lab namespace.
const (
	tunDevice   = "sbt0" // the TUN the forwarder holds
	dummyDevice = "sbd0" // the blackhole of drop hosts: an ifb device, which discards what it is sent
)

// nsConfig is the configuration of one namespace after the forwarder has
// created its TUN.
type nsConfig struct {
	ns      string
	addrs   []netip.Addr // on the TUN, routed to this namespace by the forwarder
	private []netip.Addr // on loopback, reachable only from inside
	host    *Host        // nil for the internet
	prov    *Provider
	inbound []addrPolicy // per-port policies of the addresses living here
}

// ipLines returns the ip -batch commands for the namespace: loopback, its
// addresses, and the routes its egress policy allows.
func (c nsConfig) ipLines() []string {
	lines := []string{"link set lo up"}
	for _, a := range c.addrs {
		lines = append(lines, fmt.Sprintf("addr add %s dev %s%s", hostPrefix(a), tunDevice, nodad(a)))
	}
	for _, a := range c.private {
		lines = append(lines, fmt.Sprintf("addr add %s dev lo%s", hostPrefix(a), nodad(a)))
	}
	src4, src6 := c.addrs[0], c.addrs[1]
	route := func(p netip.Prefix, dev string) string {
		src := src4
		if p.Addr().Is6() {
			src = src6
		}
		return fmt.Sprintf("route add %s dev %s src %s", p, dev, src)
	}
	if c.host == nil {
		return append(lines, route(Prefix4, tunDevice), route(Prefix6, tunDevice))
	}
	for _, p := range c.prov.Prefixes {
		lines = append(lines, route(p, tunDevice))
	}
	switch c.host.Egress.Policy {
	case PolicyNone:
		// Nothing else is routed: every other destination is ENETUNREACH.
	case PolicyDrop:
		lines = append(lines, "link add "+dummyDevice+" type ifb", "link set "+dummyDevice+" up",
			route(Prefix4, dummyDevice), route(Prefix6, dummyDevice))
	default:
		lines = append(lines, route(Prefix4, tunDevice), route(Prefix6, tunDevice))
	}
	return append(lines, gatewayLines(c.host, src4, src6)...)
}

func nodad(a netip.Addr) string {
	if a.Is6() {
		return " nodad"
	}
	return ""
}

// nftRules returns the nftables ruleset that enforces the host's policy, or
// "" when routes alone enforce it.
func (c nsConfig) nftRules() string {
	if c.host == nil {
		return ""
	}
	eg := c.host.Egress
	switch eg.Policy {
	case PolicyReject, PolicyAllow, PolicyProxyOnly:
	default:
		return ""
	}
	var b strings.Builder
	b.WriteString("table inet sovbench {\n\tchain egress {\n\t\ttype filter hook output priority filter; policy accept;\n")
	b.WriteString("\t\toifname \"lo\" accept\n\t\tct state established,related accept\n")
	for _, p := range c.prov.Prefixes {
		fmt.Fprintf(&b, "\t\t%s daddr %s accept\n", family(p), p)
	}
	for _, r := range eg.Allow {
		for _, p := range r.Prefixes {
			fmt.Fprintf(&b, "\t\t%s daddr %s%s accept\n", family(p), p, portMatch(r.Proto, r.Ports))
		}
	}
	if eg.Policy == PolicyProxyOnly {
		for _, a := range []netip.Addr{eg.Proxy.Addr(), sibling(eg.Proxy.Addr())} {
			fmt.Fprintf(&b, "\t\t%s daddr %s tcp dport %d accept\n", family(hostPrefix(a)), a, eg.Proxy.Port())
		}
	}
	b.WriteString("\t\tmeta l4proto tcp reject with tcp reset\n\t\treject with icmpx admin-prohibited\n\t}\n}\n")
	return b.String()
}

func family(p netip.Prefix) string {
	if p.Addr().Is4() {
		return "ip"
	}
	return "ip6"
}

func portMatch(proto string, ports []uint16) string {
	switch {
	case proto == "":
		return ""
	case proto == "icmp":
		return " meta l4proto { icmp, ipv6-icmp }"
	case len(ports) == 0:
		return " meta l4proto " + proto
	}
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = fmt.Sprint(p)
	}
	return fmt.Sprintf(" %s dport { %s }", proto, strings.Join(s, ", "))
}

// apply configures the namespace: addresses, routes, firewall, resolver.
func (c nsConfig) apply(ctx context.Context) error {
	if err := ipBatch(ctx, c.ns, c.ipLines()); err != nil {
		return fmt.Errorf("configuring namespace %s: %w", c.ns, err)
	}
	if rules := c.nftRules() + inboundRules(c.inbound); rules != "" {
		if err := runCmd(ctx, rules, "ip", "netns", "exec", c.ns, "nft", "-f", "-"); err != nil {
			return fmt.Errorf("loading firewall rules in %s: %w", c.ns, err)
		}
	}
	if c.host == nil {
		return nil
	}
	files := etcFiles(c.host)
	if len(files) == 0 {
		return nil
	}
	dir := filepath.Join("/etc/netns", c.ns)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing /etc files of %s: %w", c.ns, err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("writing %s of %s: %w", name, c.ns, err)
		}
	}
	return nil
}
