package egress

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// CanaryPrefix starts the TXT answer of a canary zone's server.
const CanaryPrefix = "sovbench-canary "

// resolverInfo is the host's resolver: its ip:port and search domains, or
// why there is none.
type resolverInfo struct {
	server string
	search []string
	note   string
}

// resolverConf finds the host's resolver: the suite's, else the first
// nameserver of resolv.conf.
func (e *egressProbe) resolverConf() resolverInfo {
	s := e.p.DNSLeak
	path := s.ResolvConf
	if path == "" {
		path = "/etc/resolv.conf"
	}
	cc, err := dns.ClientConfigFromFile(path)
	var ri resolverInfo
	if err == nil {
		ri.search = cc.Search
	}
	switch {
	case s.Resolver != "":
		ri.server = s.Resolver
		if _, _, err := net.SplitHostPort(s.Resolver); err != nil {
			ri.server = net.JoinHostPort(strings.Trim(s.Resolver, "[]"), "53")
		}
	case err != nil:
		ri.note = fmt.Sprintf("reading resolver from %s: %v", path, err)
	case len(cc.Servers) == 0:
		ri.note = "no nameserver in " + path
	default:
		ri.server = net.JoinHostPort(cc.Servers[0], cc.Port)
	}
	return ri
}

// dnsLeakChecks asks the host's resolver for each external name (by
// default DefaultLeakNames) and for fresh canary names. They run one after
// another: they are few. A host without a resolver gets none.
func (e *egressProbe) dnsLeakChecks(ctx context.Context, rec *probes.Recorder, token string, ri resolverInfo) []results.DNSCheck {
	s := e.p.DNSLeak
	if s.Off || ri.server == "" {
		return nil
	}
	external := s.External
	if s.Empty() {
		for _, n := range probes.DefaultLeakNames {
			external = append(external, probes.ExternalName{Name: n, Type: "A"})
		}
	}
	var out []results.DNSCheck
	for _, x := range external {
		c := results.DNSCheck{Kind: results.DNSExternal, Name: dns.Fqdn(x.Name), Type: x.Type, Resolver: ri.server, Expect: x.Expect}
		out = append(out, e.dnsCheck(ctx, rec, c, nil))
	}
	for i := range s.Canaries {
		name := fmt.Sprintf("%s-%d.%s", token, i, dns.Fqdn(s.CanaryZone))
		c := results.DNSCheck{Kind: results.DNSCanary, Name: name, Type: "TXT", Resolver: ri.server}
		out = append(out, e.dnsCheck(ctx, rec, c, nil))
	}
	return out
}

// dnsCheck runs one check; confErr is a failure to find the resolver.
func (e *egressProbe) dnsCheck(ctx context.Context, rec *probes.Recorder, c results.DNSCheck, confErr error) results.DNSCheck {
	at, ok := e.start(ctx, rec, "resolve", c.Resolver)
	if !ok {
		c.Class = string(results.ClassInterrupted)
		return c
	}
	finish := func(op string, err error) results.DNSCheck {
		a := at.done(op, err)
		c.Start, c.Took, c.Failure, c.Class = a.Start, a.Took, a.Failure, a.Class
		return c
	}
	if confErr != nil {
		return finish("resolve", confErr)
	}
	m := new(dns.Msg)
	m.SetQuestion(c.Name, dns.StringToType[c.Type])
	m.RecursionDesired = true
	cl := &dns.Client{Net: "udp", Timeout: e.p.AttemptTimeout}
	r, _, err := cl.ExchangeContext(at.ctx, m, c.Resolver)
	if err != nil {
		return finish("resolve", err)
	}
	c.Rcode = dns.RcodeToString[r.Rcode]
	for _, rr := range r.Answer {
		if rr.Header().Rrtype == m.Question[0].Qtype {
			c.Answers = append(c.Answers, rrValue(rr))
		}
	}
	class, msg := judgeDNS(c, r.Rcode)
	if class != "" {
		at.a.Failure = &results.Failure{Class: class, Operation: "resolve", Message: msg}
		at.a.Class = string(class)
	}
	out := finish("resolve", nil)
	out.Resolved = class == ""
	return out
}

// judgeDNS classes an answer: "" when the name resolved and the answer is
// believable; dns_tampered when it resolved to something that cannot be
// right; nxdomain or dns_failure when it did not resolve.
func judgeDNS(c results.DNSCheck, rcode int) (results.FailureClass, string) {
	switch {
	case rcode == dns.RcodeNameError:
		return results.ClassNXDomain, "NXDOMAIN"
	case rcode != dns.RcodeSuccess:
		return results.ClassDNSFailure, dns.RcodeToString[rcode]
	case len(c.Answers) == 0:
		return results.ClassDNSFailure, "no answer of type " + c.Type
	}
	if c.Kind == results.DNSCanary {
		want := CanaryPrefix + strings.ToLower(c.Name)
		if !slices.ContainsFunc(c.Answers, func(a string) bool { return strings.EqualFold(a, want) }) {
			return results.ClassDNSTampered, fmt.Sprintf("canary answer %q does not echo the name", strings.Join(c.Answers, " "))
		}
		return "", ""
	}
	for _, a := range c.Answers {
		ip, err := netip.ParseAddr(a)
		switch {
		case err != nil:
			return results.ClassBogus, fmt.Sprintf("answer %q is not an address", a)
		case len(c.Expect) > 0 && !slices.ContainsFunc(c.Expect, func(x string) bool { return netip.MustParseAddr(x) == ip.Unmap() }):
			return results.ClassDNSTampered, fmt.Sprintf("answer %s is not one of the expected %s", a, strings.Join(c.Expect, ", "))
		case len(c.Expect) == 0 && IsBogon(ip):
			return results.ClassDNSTampered, fmt.Sprintf("answer %s is a private or reserved address for a public name", a)
		}
	}
	return "", ""
}

// bogons are prefixes no public name should resolve to.
var bogons = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
		"203.0.113.0/24", "224.0.0.0/3", "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8", "2001:db8::/32",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// IsBogon reports whether ip is private, reserved or special-use.
func IsBogon(ip netip.Addr) bool {
	ip = ip.Unmap()
	return slices.ContainsFunc(bogons, func(p netip.Prefix) bool { return p.Contains(ip) })
}
