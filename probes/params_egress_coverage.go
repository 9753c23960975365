package probes

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/sovbench/sovbench/results"
)

// SweepSpec is one far end of a sweep: every coverage method is tried on
// it (on each address its name resolves to, so both families of a
// dual-stack name).
type SweepSpec struct {
	Host     string `yaml:"host" json:"host"`
	Category string `yaml:"category" json:"category,omitempty"`
	// TCPPorts and UDPPorts are more ports to try on this far end beyond
	// the common ones, as nmap's -p spells them: "1-65535" (every port),
	// "40000-40100,50000". Each port is one more destination (the
	// destinations limit counts it; a full range needs --limit
	// destinations=...): a TCP connect, or a UDP datagram with the run's
	// token. Without them no port outside CoverageTCPPorts and
	// CoverageUDPEchoPorts is tried, and a passing verdict says so.
	TCPPorts string `yaml:"tcp_ports" json:"tcp_ports,omitempty"`
	UDPPorts string `yaml:"udp_ports" json:"udp_ports,omitempty"`
	// Place is where the suite says the far end is; for reports only,
	// never sent to an agent (see DestinationSpec.Place).
	Place string `yaml:"place" json:"-"`
}

// ExtraPorts returns the ports of TCPPorts and UDPPorts not already in the
// common coverage, in increasing order.
func (s SweepSpec) ExtraPorts() (tcp, udp []int, err error) {
	if tcp, err = ParsePorts(s.TCPPorts); err != nil {
		return nil, nil, fmt.Errorf("tcp_ports: %w", err)
	}
	if udp, err = ParsePorts(s.UDPPorts); err != nil {
		return nil, nil, fmt.Errorf("udp_ports: %w", err)
	}
	tcp = slices.DeleteFunc(tcp, func(p int) bool { return slices.Contains(CoverageTCPPorts, p) })
	udp = slices.DeleteFunc(udp, func(p int) bool { return slices.Contains(CoverageUDPEchoPorts, p) })
	return tcp, udp, nil
}

// ParsePorts parses a port list as nmap's -p spells it: ports and ranges
// separated by commas ("22,80,1000-2000"); "" is no port. Duplicates are
// dropped and the result is sorted.
func ParsePorts(spec string) ([]int, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	var seen [65536 / 64]uint64 // a bit per port: no map of every port of a range
	n := 0
	for part := range strings.SplitSeq(spec, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, errA := strconv.Atoi(lo)
		b := a
		var errB error
		if isRange {
			b, errB = strconv.Atoi(hi)
		}
		if errA != nil || errB != nil || a < 1 || b > 65535 || b < a {
			return nil, fmt.Errorf("%q is not a port or a range of ports (1-65535)", part)
		}
		for p := a; p <= b; p++ {
			if seen[p/64]&(1<<(p%64)) == 0 {
				seen[p/64] |= 1 << (p % 64)
				n++
			}
		}
	}
	out := make([]int, 0, n)
	for p := 1; p <= 65535; p++ {
		if seen[p/64]&(1<<(p%64)) != 0 {
			out = append(out, p)
		}
	}
	return out, nil
}

// The ports of the full coverage. TCP: remote shells and mail, DNS over
// TCP and TLS, web, proxies and common alternates. UDP with a generic token
// (answered only by an echo): echo, discard, IKE/NAT-T, OpenVPN, WireGuard,
// and 443 and a high port that firewalls often forget.
var (
	CoverageTCPPorts = []int{21, 22, 23, 25, 53, 110, 143, 465, 587, 853, 993, 995, 1080, 3128, 3389,
		5222, 8000, 8080, 8443, 8888, 9000}
	CoverageUDPEchoPorts = []int{7, 9, 443, 500, 1194, 4500, 9001, 51820, 60000}
)

// CoverageDestinations is the full coverage of one far end: TCP connects on
// CoverageTCPPorts and s.TCPPorts; HTTP on 80 and HTTPS/TLS on 443, direct and through
// every proxy; UDP with protocol-correct payloads (a DNS query on 53, an NTP
// request on 123, a QUIC Initial on 443) and a token on CoverageUDPEchoPorts
// and s.UDPPorts;
// ICMP echo (ICMPv6 on IPv6 addresses).
func CoverageDestinations(s SweepSpec) []DestinationSpec {
	d := func(port int, proto string, methods ...string) DestinationSpec {
		return DestinationSpec{Host: s.Host, Port: port, Protocol: proto, Category: s.Category, Methods: methods}
	}
	var out []DestinationSpec
	for _, p := range CoverageTCPPorts {
		out = append(out, d(p, "tcp"))
	}
	out = append(out,
		d(80, "http", results.MethodTCP, results.MethodHTTP, results.MethodHTTPProxy),
		d(443, "https", results.MethodTCP, results.MethodTLS, results.MethodHTTPS, results.MethodHTTPSProxy),
		d(53, "dns"), d(123, "ntp"), d(443, "quic"), d(0, "icmp"))
	for _, p := range CoverageUDPEchoPorts {
		out = append(out, d(p, "udp"))
	}
	tcp, udp, _ := s.ExtraPorts() // checked by Validate
	for _, p := range tcp {
		out = append(out, d(p, "tcp"))
	}
	for _, p := range udp {
		out = append(out, d(p, "udp"))
	}
	return out
}

// ProxyDiscovery says where the egress probe looks for proxies on the host.
// Every proxy found is tried by the proxied methods of every destination.
// The zero value discovers from every source with the default places.
type ProxyDiscovery struct {
	Off bool `yaml:"off" json:"off,omitempty"`
	// Files are system configuration files searched for proxy settings
	// (default DefaultProxyFiles; a directory means every file in it).
	Files []string `yaml:"files" json:"files,omitempty"`
	// Leases are DHCP lease files searched for a WPAD URL (option 252).
	Leases []string `yaml:"leases" json:"leases,omitempty"`
	// GatewayPorts are tried as HTTP proxies on every gateway of the
	// host's routing table (default DefaultGatewayProxyPorts).
	GatewayPorts []int `yaml:"gateway_ports" json:"gateway_ports,omitempty"`
	// RouteTables are the IPv4 and IPv6 routing tables read for gateways
	// (default /proc/net/route and /proc/net/ipv6_route).
	RouteTables []string `yaml:"route_tables" json:"route_tables,omitempty"`
}

// Default places of proxy discovery.
var (
	DefaultProxyFiles = []string{"/etc/environment", "/etc/profile.d", "/etc/apt/apt.conf", "/etc/apt/apt.conf.d",
		"/etc/wgetrc", "/etc/yum.conf", "/etc/dnf/dnf.conf", "/etc/sysconfig/proxy", "/etc/systemd/system.conf.d"}
	DefaultLeaseFiles        = []string{"/var/lib/dhcp", "/var/lib/dhclient", "/var/lib/NetworkManager", "/run/systemd/netif/leases"}
	DefaultGatewayProxyPorts = []int{3128, 8080, 8000, 8888, 80}
	// DefaultLeakNames are asked of the host's resolver when the suite names
	// no external name and no canary zone.
	DefaultLeakNames = []string{"example.com", "www.iana.org"}
)

func (p *EgressParams) checkCoverage() error {
	for i, s := range p.Sweep {
		if strings.TrimSpace(s.Host) == "" {
			return fmt.Errorf("sweep[%d].host: missing", i)
		}
		if _, _, err := s.ExtraPorts(); err != nil {
			return fmt.Errorf("sweep[%d].%w", i, err)
		}
	}
	if p.Proxy != "" {
		if u, err := url.Parse(p.Proxy); err != nil || u.Host == "" {
			return fmt.Errorf("proxy: %q is not a proxy URL (http://host:port)", p.Proxy)
		}
	}
	d := &p.ProxyDiscovery
	if len(d.Files) == 0 {
		d.Files = DefaultProxyFiles
	}
	if len(d.Leases) == 0 {
		d.Leases = DefaultLeaseFiles
	}
	if len(d.RouteTables) == 0 {
		d.RouteTables = []string{"/proc/net/route", "/proc/net/ipv6_route"}
	}
	if len(d.RouteTables) != 2 {
		return fmt.Errorf("proxy_discovery.route_tables: want the IPv4 and the IPv6 table, got %d", len(d.RouteTables))
	}
	if len(d.GatewayPorts) == 0 {
		d.GatewayPorts = DefaultGatewayProxyPorts
	}
	for i, port := range d.GatewayPorts {
		if port <= 0 || port > 65535 {
			return fmt.Errorf("proxy_discovery.gateway_ports[%d]: %d is not a port", i, port)
		}
	}
	return nil
}

// sweepCount is what the sweep counts against the destinations limit: one
// per far end, and one per port of its tcp_ports and udp_ports beyond the
// common coverage. The ports were checked (checkCoverage).
func (p *EgressParams) sweepCount() int {
	n := 0
	for _, s := range p.Sweep {
		tcp, udp, _ := s.ExtraPorts()
		n += 1 + len(tcp) + len(udp)
	}
	return n
}
