package lab

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/sovbench/sovbench/results"
)

// Topology is a validated lab: every name resolved, every address assigned.
// Namespaces are filled in by Up. It is also the ground truth that
// "sovbench lab status" prints.
type Topology struct {
	Name      string           `json:"name"`
	File      string           `json:"file"`
	Inflation float64          `json:"inflation"`
	Jitter    results.Duration `json:"jitter"`
	Loss      float64          `json:"loss"`
	Seed      int64            `json:"seed"`
	// Paths, when set, draws each link's inflation and access delay
	// instead of Inflation (see PathModel).
	Paths     *PathModel    `json:"paths,omitempty"`
	Internet  Internet      `json:"internet"`
	Providers []Provider    `json:"providers"`
	Services  []ServiceInfo `json:"services"`
}

// Internet is the shared namespace outside every provider.
type Internet struct {
	Namespace string       `json:"namespace"`
	Addrs     []netip.Addr `json:"addrs"`
	Location  Location     `json:"location"`
}

// Provider is a simulated provider and its ground truth.
type Provider struct {
	Name     string            `json:"name"`
	Operator string            `json:"operator,omitempty"`
	Country  string            `json:"country,omitempty"`
	City     string            `json:"city,omitempty"`
	Location Location          `json:"location"`
	Facts    map[string]string `json:"facts,omitempty"`
	Prefixes []netip.Prefix    `json:"prefixes"`
	Hosts    []Host            `json:"hosts"`
	// Delay is delay the provider adds on its own links, each way.
	Delay *AddedDelay `json:"delay,omitempty"`
}

// Host is one machine of a provider: a network namespace.
type Host struct {
	Name      string       `json:"name"` // provider/host
	Namespace string       `json:"namespace"`
	Addrs     []netip.Addr `json:"addrs"`
	Location  Location     `json:"location"`
	Egress    Egress       `json:"egress"`
	// Fixture is the root of the host-identity fixture (a fake /sys, /proc,
	// /etc tree) that host probes read instead of the real ones; empty if none.
	Fixture string       `json:"fixture,omitempty"`
	DNS     []netip.Addr `json:"dns,omitempty"`
	// DNSSearch are the resolv.conf search domains.
	DNSSearch []string `json:"dns_search,omitempty"`
	// Gateway is what the default routes point at (IPv4 first); none when empty.
	Gateway []netip.Addr `json:"gateway,omitempty"`
	// Etc are the files bind-mounted over /etc in the host's namespace.
	Etc map[string]string `json:"etc,omitempty"`
	// Inbound is the host's per-port policy on arrival.
	Inbound []InboundRule `json:"inbound,omitempty"`
	// Reach is the ground truth of what this host can reach.
	Reach []Reach `json:"reach"`
}

// Egress is a resolved egress policy.
type Egress struct {
	Policy string `json:"policy"`
	Allow  []Rule `json:"allow,omitempty"`
	// Proxy is the only destination outside the provider of a proxy_only host.
	Proxy netip.AddrPort `json:"proxy,omitzero"`
}

// Rule is a resolved allow-list entry.
type Rule struct {
	To       string         `json:"to"`
	Prefixes []netip.Prefix `json:"prefixes"`
	Proto    string         `json:"proto,omitempty"`
	Ports    []uint16       `json:"ports,omitempty"`
}

// The egress policies.
const (
	PolicyNone      = "none"       // no route outside the provider: ENETUNREACH
	PolicyDrop      = "drop"       // routed into a blackhole: timeouts
	PolicyReject    = "reject"     // TCP RST, ICMP administratively prohibited
	PolicyAllow     = "allow"      // only the allow list; the rest is rejected
	PolicyProxyOnly = "proxy_only" // only the proxy address:port; the rest is rejected
	PolicyOpen      = "open"       // everything in the lab (a leaky host)
)

var policies = []string{PolicyNone, PolicyDrop, PolicyReject, PolicyAllow, PolicyProxyOnly, PolicyOpen}

// ServiceInfo is a server placed in the lab.
type ServiceInfo struct {
	Name      string       `json:"name"`
	Kind      string       `json:"kind"`
	At        string       `json:"at"` // internet or provider/host
	Namespace string       `json:"namespace"`
	Addrs     []netip.Addr `json:"addrs"`
	// Local is set when the service has an explicit address private to its
	// host (on the host's loopback, like 169.254.169.254).
	Local bool `json:"local,omitempty"`
	// Impersonates is the service whose addresses this one answers on,
	// for its own host only (a lying provider's proxy).
	Impersonates string   `json:"impersonates,omitempty"`
	Location     Location `json:"location"`
	Params       string   `json:"params,omitempty"` // YAML text
	// Inbound is the service's per-port policy on arrival. Reach does not
	// account for it.
	Inbound []InboundRule `json:"inbound,omitempty"`
}

// Reach is the expected outcome of connecting from a host to a destination:
// ok, or the failure class a probe should record (unreachable, refused,
// timeout).
type Reach struct {
	To     string   `json:"to"`
	Expect string   `json:"expect"`
	Ports  []string `json:"ports,omitempty"` // when only these proto/ports are ok
}

// Host returns the host named provider/host.
func (t *Topology) Host(name string) (*Host, error) {
	prov, host, ok := strings.Cut(name, "/")
	if !ok {
		return nil, fmt.Errorf("host %q: want provider/host", name)
	}
	for i := range t.Providers {
		p := &t.Providers[i]
		if p.Name != prov {
			continue
		}
		for j := range p.Hosts {
			if p.Hosts[j].Name == name {
				return &p.Hosts[j], nil
			}
		}
		return nil, fmt.Errorf("provider %s has no host %q", prov, host)
	}
	return nil, fmt.Errorf("no provider %q in lab %s", prov, t.Name)
}

// Service returns the service with the given name.
func (t *Topology) Service(name string) (*ServiceInfo, error) {
	for i := range t.Services {
		if t.Services[i].Name == name {
			return &t.Services[i], nil
		}
	}
	return nil, fmt.Errorf("no service %q in lab %s", name, t.Name)
}

// Addrs resolves a lab name to its addresses: a service name, provider/host,
// "internet", or an address literal.
func (t *Topology) Addrs(name string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(name); err == nil {
		return []netip.Addr{a}, nil
	}
	if name == "internet" {
		return t.Internet.Addrs, nil
	}
	if strings.Contains(name, "/") {
		h, err := t.Host(name)
		if err != nil {
			return nil, err
		}
		return h.Addrs, nil
	}
	s, err := t.Service(name)
	if err != nil {
		return nil, err
	}
	return s.Addrs, nil
}

// Namespaces lists every namespace of the lab, the internet's first.
func (t *Topology) Namespaces() []string {
	out := []string{t.Internet.Namespace}
	for _, p := range t.Providers {
		for _, h := range p.Hosts {
			out = append(out, h.Namespace)
		}
	}
	return out
}

// provider returns the provider owning host name.
func (t *Topology) provider(host string) *Provider {
	prov, _, _ := strings.Cut(host, "/")
	for i := range t.Providers {
		if t.Providers[i].Name == prov {
			return &t.Providers[i]
		}
	}
	return nil
}
