package lab

import (
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// builder turns a decoded lab file into a Topology, reporting the first
// problem with its line.
type builder struct {
	file string
	dir  string
	root *yaml.Node
	spec *fileSpec
	t    *Topology
}

func (b *builder) fail(msg string, field string, path ...any) error {
	return &suite.ConfigError{File: b.file, Line: at(b.root, path...), Field: field, Msg: msg}
}

func (b *builder) build() (*Topology, error) {
	fs := b.spec
	b.t = &Topology{Name: fs.Lab, File: b.file, Inflation: fs.Inflation, Jitter: results.Duration(fs.Jitter),
		Loss: fs.Loss, Seed: fs.Seed,
		Internet: Internet{Addrs: twins(internetAddr), Location: fs.Internet.Location}}
	if !nameRE.MatchString(fs.Lab) {
		return nil, b.fail("want a lab name of lower-case letters, digits, - and _ (at most 32)", "lab", "lab")
	}
	if b.t.Inflation == 0 {
		b.t.Inflation = 1
	}
	if fs.Paths != nil {
		m := fs.Paths.withDefaults()
		if field, msg := m.check(); msg != "" {
			return nil, b.fail(msg, "paths."+field, "paths", field)
		}
		b.t.Paths = &m
	}
	switch {
	case b.t.Inflation < 1:
		return nil, b.fail("inflation must be 1 or more (path length over great-circle distance)", "inflation", "inflation")
	case fs.Jitter < 0:
		return nil, b.fail("jitter must not be negative", "jitter", "jitter")
	case fs.Loss < 0 || fs.Loss > 1:
		return nil, b.fail("loss must be between 0 and 1", "loss", "loss")
	case !fs.Internet.Location.Valid():
		return nil, b.fail("latitude must be within ±90 and longitude within ±180", "internet.location", "internet", "location")
	}
	if err := b.providers(); err != nil {
		return nil, err
	}
	if err := b.services(); err != nil {
		return nil, err
	}
	if err := b.egress(); err != nil {
		return nil, err
	}
	if err := b.addedDelays(); err != nil {
		return nil, err
	}
	computeReach(b.t)
	return b.t, nil
}

func (b *builder) providers() error {
	if len(b.spec.Providers) == 0 {
		return b.fail("a lab needs at least one provider", "providers", "providers")
	}
	if len(b.spec.Providers) > maxProviders {
		return b.fail(fmt.Sprintf("at most %d providers", maxProviders), "providers", "providers")
	}
	seen := map[string]bool{}
	for i, ps := range b.spec.Providers {
		field := fmt.Sprintf("providers[%d]", i)
		switch {
		case !nameRE.MatchString(ps.Name):
			return b.fail(fmt.Sprintf("provider name %q: want lower-case letters, digits, - and _", ps.Name), field+".name", "providers", i)
		case seen[ps.Name]:
			return b.fail(fmt.Sprintf("duplicate provider %q", ps.Name), field+".name", "providers", i, "name")
		case !ps.Location.Valid():
			return b.fail("latitude must be within ±90 and longitude within ±180", field+".location", "providers", i, "location")
		case ps.Country != "" && len(ps.Country) != 2:
			return b.fail(fmt.Sprintf("country %q: want an ISO 3166 alpha-2 code", ps.Country), field+".country", "providers", i, "country")
		case len(ps.Hosts) == 0:
			return b.fail("a provider needs at least one host", field+".hosts", "providers", i)
		case len(ps.Hosts) > maxHostsPerProv:
			return b.fail(fmt.Sprintf("at most %d hosts", maxHostsPerProv), field+".hosts", "providers", i, "hosts")
		}
		seen[ps.Name] = true
		p4, p6 := providerPrefixes(i + 1)
		p := Provider{Name: ps.Name, Operator: ps.Operator, Country: strings.ToUpper(ps.Country), City: ps.City,
			Location: ps.Location, Facts: ps.Facts, Prefixes: []netip.Prefix{p4, p6}}
		hseen := map[string]bool{}
		for j, hs := range ps.Hosts {
			hfield := fmt.Sprintf("%s.hosts[%d]", field, j)
			if !nameRE.MatchString(hs.Name) || hseen[hs.Name] {
				return b.fail(fmt.Sprintf("host name %q: want a unique name of lower-case letters, digits, - and _", hs.Name), hfield+".name", "providers", i, "hosts", j)
			}
			hseen[hs.Name] = true
			h := Host{Name: ps.Name + "/" + hs.Name, Addrs: twins(hostAddr(i+1, j+1)), Location: ps.Location}
			if hs.Location != nil {
				if !hs.Location.Valid() {
					return b.fail("latitude must be within ±90 and longitude within ±180", hfield+".location", "providers", i, "hosts", j, "location")
				}
				h.Location = *hs.Location
			}
			if hs.Fixture != "" {
				h.Fixture = hs.Fixture
				if !filepath.IsAbs(h.Fixture) {
					h.Fixture = filepath.Join(b.dir, h.Fixture)
				}
				if abs, err := filepath.Abs(h.Fixture); err == nil {
					h.Fixture = abs
				}
			}
			p.Hosts = append(p.Hosts, h)
		}
		b.t.Providers = append(b.t.Providers, p)
	}
	return nil
}

func (b *builder) services() error {
	seen := map[string]bool{}
	next := map[string]int{} // next service index per placement owner
	for i, ss := range b.spec.Services {
		field := fmt.Sprintf("services[%d]", i)
		if !nameRE.MatchString(ss.Name) || seen[ss.Name] || ss.Name == "internet" {
			return b.fail(fmt.Sprintf("service name %q: want a unique name of lower-case letters, digits, - and _", ss.Name), field+".name", "services", i)
		}
		seen[ss.Name] = true
		kind, ok := serviceKinds[ss.Kind]
		if !ok {
			return b.fail(fmt.Sprintf("unknown service kind %q (known: %s)", ss.Kind, strings.Join(ServiceKinds(), ", ")), field+".kind", "services", i, "kind")
		}
		params := ss.Params
		if _, err := kind.New(func(v any) error { return suite.DecodeStrict(b.file, &params, v, field+".params") }); err != nil {
			var ce *suite.ConfigError
			if errors.As(err, &ce) {
				return err
			}
			return b.fail(err.Error(), field+".params", "services", i, "params")
		}
		s := ServiceInfo{Name: ss.Name, Kind: ss.Kind, At: ss.At}
		if ss.Params.Kind != 0 {
			text, err := yaml.Marshal(&ss.Params)
			if err != nil {
				return b.fail(err.Error(), field+".params", "services", i, "params")
			}
			s.Params = string(text)
		}
		if err := b.place(&s, ss, next); err != nil {
			return b.fail(err.Error(), field, "services", i)
		}
		if err := checkInbound(ss.Inbound); err != nil {
			return b.fail(err.Error(), field+".inbound", "services", i, "inbound")
		}
		s.Inbound = ss.Inbound
		b.t.Services = append(b.t.Services, s)
	}
	return nil
}

// place gives service s its location and addresses.
func (b *builder) place(s *ServiceInfo, ss serviceSpec, next map[string]int) error {
	owner := "internet"
	if ss.At == "internet" {
		s.Location = b.t.Internet.Location
	} else {
		h, err := b.t.Host(ss.At)
		if err != nil {
			return fmt.Errorf("at: %w (want internet or provider/host)", err)
		}
		s.Location = h.Location
		owner, _, _ = strings.Cut(ss.At, "/")
	}
	if ss.Location != nil {
		if !ss.Location.Valid() {
			return errors.New("location: latitude must be within ±90 and longitude within ±180")
		}
		s.Location = *ss.Location
	}
	if ss.Impersonates != "" {
		return b.impersonate(s, ss, owner)
	}
	if ss.Address != "" {
		a, err := netip.ParseAddr(ss.Address)
		switch {
		case err != nil:
			return fmt.Errorf("address: %w", err)
		case owner == "internet":
			return errors.New("address: only a service on a host can have a private address")
		case inLab(a) || a.IsLoopback() || a.IsUnspecified() || a.IsMulticast():
			return fmt.Errorf("address: %s is not usable as a private service address", a)
		}
		s.Addrs, s.Local = []netip.Addr{a}, true
		return nil
	}
	next[owner]++
	k := next[owner]
	if owner == "internet" {
		if k > maxInternetSvcs {
			return fmt.Errorf("at most %d internet services", maxInternetSvcs)
		}
		s.Addrs = twins(internetServiceAddr(k))
		return nil
	}
	if k > maxServicesPerProv {
		return fmt.Errorf("at most %d services per provider", maxServicesPerProv)
	}
	pi := slices.IndexFunc(b.t.Providers, func(p Provider) bool { return p.Name == owner })
	s.Addrs = twins(providerServiceAddr(pi+1, k))
	return nil
}

// egress resolves every host's policy.
func (b *builder) egress() error {
	for i, ps := range b.spec.Providers {
		for j, hs := range ps.Hosts {
			spec, path := ps.Egress, []any{"providers", i, "egress"}
			field := fmt.Sprintf("providers[%d].egress", i)
			if hs.Egress != nil {
				spec, path = *hs.Egress, []any{"providers", i, "hosts", j, "egress"}
				field = fmt.Sprintf("providers[%d].hosts[%d].egress", i, j)
			}
			h := &b.t.Providers[i].Hosts[j]
			eg, err := b.resolveEgress(spec)
			if err != nil {
				return b.fail(err.Error(), field, path...)
			}
			h.Egress = eg
			if err := b.hostExtras(h, hs); err != nil {
				return b.fail(err.Error(), fmt.Sprintf("providers[%d].hosts[%d]", i, j), "providers", i, "hosts", j)
			}
			for k, name := range hs.DNS {
				addrs, err := b.t.Addrs(name)
				if err != nil {
					return b.fail(err.Error(), fmt.Sprintf("providers[%d].hosts[%d].dns[%d]", i, j, k), "providers", i, "hosts", j, "dns", k)
				}
				h.DNS = append(h.DNS, addrs...)
			}
		}
	}
	return nil
}

func (b *builder) resolveEgress(spec EgressSpec) (Egress, error) {
	eg := Egress{Policy: spec.Policy}
	if !slices.Contains(policies, spec.Policy) {
		return eg, fmt.Errorf("policy %q: want one of %s", spec.Policy, strings.Join(policies, ", "))
	}
	if len(spec.Allow) > 0 && spec.Policy != PolicyAllow {
		return eg, errors.New("allow: only an allow policy has an allow list")
	}
	if spec.Proxy != "" && spec.Policy != PolicyProxyOnly {
		return eg, errors.New("proxy: only a proxy_only policy names a proxy")
	}
	for _, r := range spec.Allow {
		rule, err := b.resolveRule(r)
		if err != nil {
			return eg, err
		}
		eg.Allow = append(eg.Allow, rule)
	}
	if spec.Policy == PolicyProxyOnly {
		ap, err := b.resolveProxy(spec.Proxy)
		if err != nil {
			return eg, err
		}
		eg.Proxy = ap
	}
	return eg, nil
}

func (b *builder) resolveRule(r AllowRule) (Rule, error) {
	rule := Rule{To: r.To, Proto: r.Proto, Ports: r.Ports}
	switch r.Proto {
	case "", "tcp", "udp", "icmp":
	default:
		return rule, fmt.Errorf("allow %s: proto %q: want tcp, udp or icmp", r.To, r.Proto)
	}
	if len(r.Ports) > 0 && (r.Proto == "" || r.Proto == "icmp") {
		return rule, fmt.Errorf("allow %s: ports need a proto (tcp or udp)", r.To)
	}
	if p, err := netip.ParsePrefix(r.To); err == nil {
		rule.Prefixes = []netip.Prefix{p.Masked()}
		return rule, nil
	}
	addrs, err := b.t.Addrs(r.To)
	if err != nil {
		return rule, fmt.Errorf("allow: %w", err)
	}
	for _, a := range addrs {
		rule.Prefixes = append(rule.Prefixes, hostPrefix(a))
	}
	return rule, nil
}

func (b *builder) resolveProxy(proxy string) (netip.AddrPort, error) {
	if proxy == "" {
		return netip.AddrPort{}, errors.New("proxy: a proxy_only policy needs proxy: service:port or address:port")
	}
	if ap, err := netip.ParseAddrPort(proxy); err == nil {
		return ap, nil
	}
	name, port, ok := strings.Cut(proxy, ":")
	n, err := strconv.ParseUint(port, 10, 16)
	if !ok || err != nil || n == 0 {
		return netip.AddrPort{}, fmt.Errorf("proxy %q: want service:port or address:port", proxy)
	}
	addrs, err := b.t.Addrs(name)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("proxy: %w", err)
	}
	return netip.AddrPortFrom(addrs[0], uint16(n)), nil
}
