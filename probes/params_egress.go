package probes

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/results"
)

// The egress kind's name and version.
const (
	EgressName    = "egress"
	EgressVersion = "0.1.0"
)

// Egress defaults: bounded concurrency, a global rate of new attempts, a
// deadline on every attempt.
const (
	DefaultEgressConcurrency = 256
	DefaultEgressRate        = 2000 // attempts started per second, over all workers
	DefaultAttemptTimeout    = 2 * time.Second
	DefaultRandomPorts       = 3
)

// EgressParams configures the egress probe.
type EgressParams struct {
	// Destinations are declared inline; Lists names destination list files
	// (YAML, see LoadDestinationList), read when the suite is validated and
	// again on the host that runs the probe.
	Destinations []DestinationSpec `yaml:"destinations" json:"destinations,omitempty"`
	Lists        []string          `yaml:"lists" json:"lists,omitempty"`
	// AllowRealWorld must be true to load a list marked real_world: those
	// name public endpoints and must never be dialled from a test machine.
	AllowRealWorld bool `yaml:"allow_real_world" json:"allow_real_world,omitempty"`
	// Families limits the address families dialled: ip4, ip6 (default both).
	Families []string `yaml:"families" json:"families,omitempty"`
	// ExtraMethods are tried on every destination besides its protocol's
	// methods (for example icmp).
	ExtraMethods []string `yaml:"extra_methods" json:"extra_methods,omitempty"`
	// Concurrency bounds attempts in flight; Rate bounds attempts started
	// per second over the whole probe.
	Concurrency int     `yaml:"concurrency" json:"concurrency"`
	Rate        float64 `yaml:"rate" json:"rate"`
	// AttemptTimeout is the deadline of each attempt.
	AttemptTimeout time.Duration `yaml:"attempt_timeout" json:"attempt_timeout"`
	// Proxy is the HTTP proxy URL for the proxied methods; empty means the
	// one the environment names (HTTPS_PROXY, HTTP_PROXY, lower case too).
	Proxy string `yaml:"proxy" json:"proxy,omitempty"`
	// TLS is what a genuine certificate looks like; anything else is
	// tls_intercepted. Without it the system roots decide.
	TLS TLSExpect `yaml:"tls" json:"tls"`
	// RandomPorts is how many random TCP ports are tried on each reachable
	// positive control (0: the default, negative: none).
	RandomPorts int `yaml:"random_ports" json:"random_ports"`
	// DNSQueryName is the name asked of destinations probed with the dns
	// method (default "example.com.").
	DNSQueryName string `yaml:"dns_query_name" json:"dns_query_name"`
	// HTTPPath is the path of HTTP(S) GETs (default "/").
	HTTPPath string `yaml:"http_path" json:"http_path"`
	// DNSLeak configures the DNS-leak checks through the host's resolver.
	DNSLeak DNSLeakSpec `yaml:"dns_leak" json:"dns_leak"`
	// Sweep lists far ends tried with the full coverage (see
	// CoverageDestinations): both families of a name, TCP on common ports,
	// UDP with protocol-correct payloads, ICMP, HTTP(S) and every proxy.
	Sweep []SweepSpec `yaml:"sweep" json:"sweep,omitempty"`
	// ProxyDiscovery finds proxies on the host (see ProxyDiscovery).
	ProxyDiscovery ProxyDiscovery `yaml:"proxy_discovery" json:"proxy_discovery"`

	// lim bounds the files Validate reads; bounded says the suite loader
	// set it (Bound), which also turns on the destination count check.
	lim     limits.Limits
	bounded bool
}

// Bound sets the bounds of the lists and CA file Validate reads, and
// makes Validate check the destination count: the suite loader calls it
// (probes.Bounded). An agent re-validating a plan reads within the
// default bounds and runs the destinations its harness planned.
func (p *EgressParams) Bound(lim limits.Limits) { p.lim, p.bounded = lim, true }

// TLSExpect says which certificates are genuine.
type TLSExpect struct {
	CA    string   `yaml:"ca" json:"ca,omitempty"`         // path of a PEM file of CA certificates
	CAPEM string   `yaml:"ca_pem" json:"ca_pem,omitempty"` // PEM CA certificates inline
	Pins  []string `yaml:"pins" json:"pins,omitempty"`     // "sha256/<base64 SPKI digest>" of any certificate in the chain
}

// DNSLeakSpec configures the DNS-leak checks, which ask the host's own
// resolver (not the destinations) about names outside the provider.
type DNSLeakSpec struct {
	// Resolver is ip or ip:port; default: the first nameserver of ResolvConf.
	Resolver   string `yaml:"resolver" json:"resolver,omitempty"`
	ResolvConf string `yaml:"resolv_conf" json:"resolv_conf,omitempty"` // default /etc/resolv.conf
	// Off turns the checks off; otherwise a host with a resolver is always
	// asked, for DefaultLeakNames when nothing else is named.
	Off bool `yaml:"off" json:"off,omitempty"`
	// External names must not resolve if recursion stops at the provider.
	External []ExternalName `yaml:"external" json:"external,omitempty"`
	// CanaryZone is a zone whose authoritative server answers TXT queries
	// for any name under it with that name, and records each arrival.
	CanaryZone string `yaml:"canary_zone" json:"canary_zone,omitempty"`
	Canaries   int    `yaml:"canaries" json:"canaries,omitempty"` // unique names to ask (default 2)
}

// ExternalName is one public name to resolve through the host's resolver.
type ExternalName struct {
	Name string `yaml:"name" json:"name"`
	Type string `yaml:"type" json:"type"` // A (default) or AAAA
	// Expect lists the right answers; any other answer is dns_tampered.
	// Without it, a private or reserved address is dns_tampered.
	Expect []string `yaml:"expect" json:"expect,omitempty"`
}

// DestinationSpec is one destination as a suite or a list declares it.
type DestinationSpec struct {
	Host string `yaml:"host" json:"host"` // a name or an IP literal
	Port int    `yaml:"port" json:"port"`
	// Ports, instead of Port, makes the entry one destination per port,
	// as nmap's -p spells them ("20001-20100,30000"), in increasing
	// order: a port sweep of a host in one line. Each port counts as a
	// destination (the destinations limit) and has its own record.
	Ports    string `yaml:"ports" json:"ports,omitempty"`
	Protocol string `yaml:"protocol" json:"protocol"` // tcp, udp, icmp, dns, ntp, http, https, tls, quic
	Category string `yaml:"category" json:"category,omitempty"`
	// Control marks a positive control, which must be reachable.
	Control bool `yaml:"control" json:"control,omitempty"`
	// Methods overrides the protocol's default methods.
	Methods []string `yaml:"methods" json:"methods,omitempty"`
	// ServerName is the TLS server name and HTTP host (default: Host).
	ServerName string `yaml:"server_name" json:"server_name"`
	// Place is where the suite's author says the destination is ("Ashburn,
	// United States"), "" when the suite does not say. Reports show it
	// beside the destination, read from the suite embedded in the report;
	// no verdict uses it, and it never goes to an agent (json "-"), so an
	// agent cannot relabel it and older agents decode plans as before.
	Place string `yaml:"place" json:"-"`
}

// DefaultEgressParams returns the parameters a suite gets when it sets none.
func DefaultEgressParams() EgressParams {
	return EgressParams{
		Concurrency: DefaultEgressConcurrency, Rate: DefaultEgressRate,
		AttemptTimeout: DefaultAttemptTimeout, DNSQueryName: "example.com.", HTTPPath: "/",
	}
}

// Kind is "egress".
func (p *EgressParams) Kind() string { return EgressName }

// Validate checks the parameters and completes the defaults of zero
// fields (random ports, each destination's port and server name). It reads
// the destination lists and the tls.ca file it names.
func (p *EgressParams) Validate() error {
	if p.RandomPorts == 0 {
		p.RandomPorts = DefaultRandomPorts
	}
	if p.Concurrency <= 0 || p.Rate <= 0 || p.AttemptTimeout <= 0 {
		return fmt.Errorf("concurrency, rate and attempt_timeout must be positive")
	}
	if err := checkFamilies(p.Families); err != nil {
		return err
	}
	if err := checkMethods("extra_methods", p.ExtraMethods); err != nil {
		return err
	}
	for i := range p.Destinations {
		if err := p.Destinations[i].Normalise(fmt.Sprintf("destinations[%d]", i)); err != nil {
			return err
		}
	}
	listed, err := p.ListedDestinations()
	if err != nil {
		return err
	}
	if err := p.checkCoverage(); err != nil {
		return err
	}
	if p.bounded {
		if err := p.lim.Count(limits.Destinations, "destinations", countDestinations(p.Destinations)+countDestinations(listed)+p.sweepCount()); err != nil {
			return fmt.Errorf("destinations: %w", err)
		}
	}
	if len(p.Destinations)+len(listed)+len(p.Sweep) == 0 && p.DNSLeak.Empty() {
		return errors.New("destinations: none declared (and no sweep or dns_leak checks)")
	}
	if err := p.TLS.check(); err != nil {
		return err
	}
	return p.DNSLeak.check()
}

// ListedDestinations reads the destination lists, in order. A list marked
// real_world is refused unless AllowRealWorld is set. The lists are read on
// the host that calls it: the loader's when a suite is validated, the
// agent's when the probe is built.
func (p *EgressParams) ListedDestinations() ([]DestinationSpec, error) {
	var out []DestinationSpec
	for _, path := range p.Lists {
		l, err := LoadDestinationList(context.Background(), path, p.lim)
		if err != nil {
			return nil, err
		}
		if l.RealWorld && !p.AllowRealWorld {
			return nil, fmt.Errorf("list %s names real-world destinations; set allow_real_world: true to dial them", path)
		}
		out = append(out, l.Destinations...)
	}
	return out, nil
}

// Roots returns the CA certificates a genuine chain must lead to (ca_pem
// and the file ca, read here), or nil for the system roots.
func (t TLSExpect) Roots() (*x509.CertPool, error) {
	pem := []byte(t.CAPEM)
	if t.CA != "" {
		b, err := limits.Limits{}.ReadFile(context.Background(), limits.KeyBytes, t.CA)
		if err != nil {
			return nil, fmt.Errorf("tls.ca: reading %s: %w", t.CA, err)
		}
		pem = append(pem, b...)
	}
	if len(pem) == 0 {
		return nil, nil
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, errors.New("tls: no PEM certificate in ca/ca_pem")
	}
	return roots, nil
}

// check validates the CA certificates and the pins.
func (t TLSExpect) check() error {
	if _, err := t.Roots(); err != nil {
		return err
	}
	for i, p := range t.Pins {
		v, ok := strings.CutPrefix(p, "sha256/")
		if b, err := base64.StdEncoding.DecodeString(v); !ok || err != nil || len(b) != sha256.Size {
			return fmt.Errorf("tls.pins[%d]: %q is not sha256/<base64 of 32 bytes>", i, p)
		}
	}
	return nil
}

// Empty reports whether no DNS-leak check is configured.
func (s DNSLeakSpec) Empty() bool { return len(s.External) == 0 && s.CanaryZone == "" }

func (s *DNSLeakSpec) check() error {
	for i := range s.External {
		x := &s.External[i]
		if x.Name == "" {
			return fmt.Errorf("dns_leak.external[%d].name: missing", i)
		}
		switch x.Type {
		case "":
			x.Type = "A"
		case "A", "AAAA":
		default:
			return fmt.Errorf("dns_leak.external[%d].type: %q is not A or AAAA", i, x.Type)
		}
		for j, a := range x.Expect {
			if net.ParseIP(a) == nil {
				return fmt.Errorf("dns_leak.external[%d].expect[%d]: %q is not an IP address", i, j, a)
			}
		}
	}
	if s.CanaryZone != "" && s.Canaries == 0 {
		s.Canaries = 2
	}
	return nil
}

// protocolMethods are the default methods of each protocol.
var protocolMethods = map[string][]string{
	"tcp":   {results.MethodTCP},
	"udp":   {results.MethodUDP},
	"icmp":  {results.MethodICMP},
	"dns":   {results.MethodDNS},
	"ntp":   {results.MethodNTP},
	"http":  {results.MethodTCP, results.MethodHTTP, results.MethodHTTPProxy},
	"https": {results.MethodTCP, results.MethodTLS, results.MethodHTTPS, results.MethodHTTPSProxy},
	"tls":   {results.MethodTCP, results.MethodTLS},
	"quic":  {results.MethodQUIC},
}

var defaultPorts = map[string]int{"dns": 53, "ntp": 123, "http": 80, "https": 443, "tls": 443, "quic": 443}

var allMethods = []string{
	results.MethodTCP, results.MethodUDP, results.MethodICMP, results.MethodDNS, results.MethodNTP,
	results.MethodHTTP, results.MethodHTTPProxy, results.MethodHTTPS, results.MethodHTTPSProxy, results.MethodTLS,
	results.MethodQUIC,
}

func checkMethods(field string, ms []string) error {
	for _, m := range ms {
		if !slices.Contains(allMethods, m) {
			return fmt.Errorf("%s: unknown method %q (known: %s)", field, m, strings.Join(allMethods, ", "))
		}
	}
	return nil
}

func checkFamilies(fs []string) error {
	for _, f := range fs {
		if f != "ip4" && f != "ip6" {
			return fmt.Errorf("families: unknown family %q (known: ip4, ip6)", f)
		}
	}
	return nil
}

// Normalise applies defaults (the protocol's port, Host as the server name)
// and validates d; where names it in errors.
func (d *DestinationSpec) Normalise(where string) error {
	if d.Host == "" {
		return fmt.Errorf("%s.host: missing", where)
	}
	if _, ok := protocolMethods[d.Protocol]; !ok {
		known := slices.Sorted(mapKeys(protocolMethods))
		return fmt.Errorf("%s.protocol: unknown protocol %q (known: %s)", where, d.Protocol, strings.Join(known, ", "))
	}
	switch {
	case d.Ports != "":
		if err := d.checkPorts(where); err != nil {
			return err
		}
	case d.Port == 0:
		d.Port = defaultPorts[d.Protocol]
	}
	if d.Ports == "" && d.Protocol != "icmp" && (d.Port <= 0 || d.Port > 65535) {
		return fmt.Errorf("%s.port: %d is not a port (protocol %s needs one)", where, d.Port, d.Protocol)
	}
	if d.ServerName == "" {
		d.ServerName = strings.Trim(d.Host, "[]")
	}
	return checkMethods(where+".methods", d.Methods)
}

// MethodsWith returns the methods to try on d (its own, else its
// protocol's), extra ones appended.
func (d DestinationSpec) MethodsWith(extra []string) []string {
	ms := d.Methods
	if len(ms) == 0 {
		ms = protocolMethods[d.Protocol]
	}
	out := slices.Clone(ms)
	for _, m := range extra {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// mapKeys yields the keys of m.
func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
