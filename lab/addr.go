package lab

import (
	"fmt"
	"net/netip"
)

// The lab's address space. Nothing outside these prefixes is ever assigned
// or routed by a lab.
var (
	Prefix4 = netip.MustParsePrefix("198.18.0.0/15")
	Prefix6 = netip.MustParsePrefix("fd5b:1ab::/48")
)

// Limits of the deterministic address plan.
const (
	maxProviders       = 254
	maxHostsPerProv    = 99
	maxServicesPerProv = 154
	maxInternetSvcs    = 254
)

// V6Of returns the IPv6 twin of a lab IPv4 address: a.b.c.d becomes
// fd5b:1ab:0:XXYY::d with XX = b-18 and YY = c.
func V6Of(a netip.Addr) netip.Addr {
	v4 := a.As4()
	var b [16]byte
	copy(b[:6], Prefix6.Addr().AsSlice()[:6])
	b[6], b[7] = v4[1]-18, v4[2]
	b[15] = v4[3]
	return netip.AddrFrom16(b)
}

// providerPrefixes returns provider p's IPv4 /24 and IPv6 /64 (p is 1-based).
func providerPrefixes(p int) (netip.Prefix, netip.Prefix) {
	a := netip.AddrFrom4([4]byte{198, 18, byte(p), 0})
	return netip.PrefixFrom(a, 24), netip.PrefixFrom(V6Of(a), 64)
}

func hostAddr(p, h int) netip.Addr { return netip.AddrFrom4([4]byte{198, 18, byte(p), byte(h)}) }

func providerServiceAddr(p, k int) netip.Addr {
	return netip.AddrFrom4([4]byte{198, 18, byte(p), byte(100 + k)})
}

// internetAddr is the internet namespace's own address.
var internetAddr = netip.AddrFrom4([4]byte{198, 19, 0, 1})

func internetServiceAddr(k int) netip.Addr { return netip.AddrFrom4([4]byte{198, 19, 1, byte(k)}) }

// twins returns a lab IPv4 address and its IPv6 twin.
func twins(a netip.Addr) []netip.Addr { return []netip.Addr{a, V6Of(a)} }

// hostPrefix returns the single-address prefix of a.
func hostPrefix(a netip.Addr) netip.Prefix { return netip.PrefixFrom(a, a.BitLen()) }

// inLab reports whether a is inside the lab's prefixes.
func inLab(a netip.Addr) bool { return Prefix4.Contains(a) || Prefix6.Contains(a) }

func checkPlan(providers, internetServices int, hosts, services map[int]int) error {
	if providers > maxProviders {
		return fmt.Errorf("at most %d providers", maxProviders)
	}
	if internetServices > maxInternetSvcs {
		return fmt.Errorf("at most %d internet services", maxInternetSvcs)
	}
	for p, n := range hosts {
		if n > maxHostsPerProv {
			return fmt.Errorf("provider %d: at most %d hosts", p, maxHostsPerProv)
		}
	}
	for p, n := range services {
		if n > maxServicesPerProv {
			return fmt.Errorf("provider %d: at most %d services", p, maxServicesPerProv)
		}
	}
	return nil
}
