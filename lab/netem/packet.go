package netem

import (
	"fmt"
	"net/netip"
	"sort"
)

// addrs returns the source and destination addresses of an IPv4 or IPv6
// packet, as read from a TUN device without packet information.
func addrs(b []byte) (src, dst netip.Addr, ok bool) {
	if len(b) < 1 {
		return src, dst, false
	}
	switch b[0] >> 4 {
	case 4:
		if len(b) < 20 {
			return src, dst, false
		}
		return netip.AddrFrom4([4]byte(b[12:16])), netip.AddrFrom4([4]byte(b[16:20])), true
	case 6:
		if len(b) < 40 {
			return src, dst, false
		}
		return netip.AddrFrom16([16]byte(b[8:24])), netip.AddrFrom16([16]byte(b[24:40])), true
	}
	return src, dst, false
}

// linkScoped reports whether dst can never leave the link it was sent on:
// multicast, link-local and limited-broadcast destinations, which the kernel
// emits on its own (router solicitations, MLD reports) and which no port owns.
func linkScoped(dst netip.Addr) bool {
	return dst.IsMulticast() || dst.IsLinkLocalUnicast() ||
		dst == netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// route is one destination prefix and the port that owns it.
type route struct {
	prefix netip.Prefix
	port   int
}

// table maps destination addresses to ports by longest prefix.
type table struct {
	routes []route // longest prefixes first
}

// newTable builds the routing table from the ports' prefixes. Two ports
// claiming the same prefix is an error.
func newTable(ports []Port) (*table, error) {
	t := &table{}
	seen := map[netip.Prefix]int{}
	for i, p := range ports {
		for j, pfx := range p.Routes {
			if !pfx.IsValid() {
				return nil, fmt.Errorf("ports[%d].routes[%d]: invalid prefix", i, j)
			}
			if pfx.Masked() != pfx {
				return nil, fmt.Errorf("ports[%d].routes[%d]: %s has host bits set (want %s)", i, j, pfx, pfx.Masked())
			}
			if k, dup := seen[pfx]; dup {
				return nil, fmt.Errorf("ports[%d].routes[%d]: %s already routed to ports[%d]", i, j, pfx, k)
			}
			seen[pfx] = i
			t.routes = append(t.routes, route{prefix: pfx, port: i})
		}
	}
	sort.SliceStable(t.routes, func(a, b int) bool {
		return t.routes[a].prefix.Bits() > t.routes[b].prefix.Bits()
	})
	return t, nil
}

// lookup returns the port owning dst, or -1.
func (t *table) lookup(dst netip.Addr) int {
	for _, r := range t.routes {
		if r.prefix.Contains(dst) {
			return r.port
		}
	}
	return -1
}
