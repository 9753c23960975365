package probes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/results"
)

// DestinationSpec is one destination as a suite or a list declares it.
type DestinationSpec struct {
	Host     string `yaml:"host"` // a name or an IP literal
	Port     int    `yaml:"port"`
	Protocol string `yaml:"protocol"` // tcp, udp, icmp, dns, ntp, http, https, tls
	Category string `yaml:"category"` // internet, telemetry, dns-resolver, ntp, ...
	// Control marks a positive control, which must be reachable.
	Control bool `yaml:"control"`
	// Methods overrides the protocol's default methods.
	Methods []string `yaml:"methods"`
	// ServerName is the TLS server name and HTTP host (default: Host).
	ServerName string `yaml:"server_name"`

	randomPort bool
}

// DestinationList is a destination list file.
type DestinationList struct {
	List        string `yaml:"list"`
	Description string `yaml:"description"`
	// RealWorld marks lists of public endpoints. The probe refuses to load
	// them unless allow_real_world is set, so no test can dial them by mistake.
	RealWorld    bool              `yaml:"real_world"`
	Sources      []string          `yaml:"sources"`
	Destinations []DestinationSpec `yaml:"destinations"`
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
}

var defaultPorts = map[string]int{"dns": 53, "ntp": 123, "http": 80, "https": 443, "tls": 443}

var allMethods = []string{
	results.MethodTCP, results.MethodUDP, results.MethodICMP, results.MethodDNS, results.MethodNTP,
	results.MethodHTTP, results.MethodHTTPProxy, results.MethodHTTPS, results.MethodHTTPSProxy, results.MethodTLS,
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

// normalise applies defaults and validates d; where names it in errors.
func (d *DestinationSpec) normalise(where string) error {
	if d.Host == "" {
		return fmt.Errorf("%s.host: missing", where)
	}
	if _, ok := protocolMethods[d.Protocol]; !ok {
		known := sortedKeys(protocolMethods)
		return fmt.Errorf("%s.protocol: unknown protocol %q (known: %s)", where, d.Protocol, strings.Join(known, ", "))
	}
	if d.Port == 0 {
		d.Port = defaultPorts[d.Protocol]
	}
	if d.Protocol != "icmp" && (d.Port <= 0 || d.Port > 65535) {
		return fmt.Errorf("%s.port: %d is not a port (protocol %s needs one)", where, d.Port, d.Protocol)
	}
	if d.ServerName == "" {
		d.ServerName = strings.Trim(d.Host, "[]")
	}
	return checkMethods(where+".methods", d.Methods)
}

// methods returns the methods to try on d, extra ones appended.
func (d DestinationSpec) methods(extra []string) []string {
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

// collectDestinations validates the inline destinations and appends the
// destinations of every list, in order.
func collectDestinations(p EgressParams) ([]DestinationSpec, error) {
	var out []DestinationSpec
	for i, d := range p.Destinations {
		if err := d.normalise(fmt.Sprintf("destinations[%d]", i)); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	for _, path := range p.Lists {
		l, err := LoadDestinationList(path)
		if err != nil {
			return nil, err
		}
		if l.RealWorld && !p.AllowRealWorld {
			return nil, fmt.Errorf("list %s names real-world destinations; set allow_real_world: true to dial them", path)
		}
		out = append(out, l.Destinations...)
	}
	if len(out) == 0 && p.DNSLeak.empty() {
		return nil, errors.New("destinations: none declared (and no dns_leak checks)")
	}
	return out, nil
}

// LoadDestinationList reads and validates a destination list file. Errors
// name the file, line and field.
func LoadDestinationList(path string) (*DestinationList, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading destination list: %w", err)
	}
	return ParseDestinationList(path, data)
}

// ParseDestinationList validates a destination list's YAML source.
func ParseDestinationList(path string, data []byte) (*DestinationList, error) {
	var l DestinationList
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&l); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty destination list", path)
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = strings.TrimSpace(strings.TrimPrefix(msg, "unmarshal errors:\n"))
		return nil, fmt.Errorf("%s: %s", path, msg)
	}
	var raw struct {
		Destinations []yaml.Node `yaml:"destinations"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if l.List == "" {
		return nil, fmt.Errorf("%s: list: missing name", path)
	}
	if len(l.Destinations) == 0 {
		return nil, fmt.Errorf("%s: destinations: none", path)
	}
	for i := range l.Destinations {
		line := raw.Destinations[i].Line
		if err := l.Destinations[i].normalise(fmt.Sprintf("%s:%d: destinations[%d]", path, line, i)); err != nil {
			return nil, err
		}
	}
	return &l, nil
}

// addresses resolves d's host to the addresses to dial, filtered by family.
// A name that does not resolve yields one failed "resolve" attempt.
func (e *egressProbe) addresses(ctx context.Context, rec *Recorder, d DestinationSpec) ([]net.IP, *results.EgressAttempt) {
	host := strings.Trim(d.Host, "[]")
	if ip := net.ParseIP(host); ip != nil {
		if !e.familyAllowed(ip) {
			return nil, nil
		}
		return []net.IP{ip}, nil
	}
	ips, a := e.resolve(ctx, rec, host)
	var out []net.IP
	for _, ip := range ips {
		if e.familyAllowed(ip) {
			out = append(out, ip)
		}
	}
	return out, a
}

func (e *egressProbe) familyAllowed(ip net.IP) bool {
	return len(e.p.Families) == 0 || slices.Contains(e.p.Families, family(ip))
}

func family(ip net.IP) string {
	if ip.To4() != nil {
		return "ip4"
	}
	return "ip6"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
