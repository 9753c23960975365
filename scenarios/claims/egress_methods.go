package claims

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/results"
)

// methodKey names the way an attempt went out: its method on its address
// family ("udp/ip6", "icmp/ip4"), or the proxied method and the proxy it
// went through ("https_proxy via http://198.18.1.9:3128").
func methodKey(a results.EgressAttempt) string {
	if a.Proxy != "" {
		return a.Method + " via " + a.Proxy
	}
	if a.Family == "" {
		return a.Method
	}
	return a.Method + "/" + a.Family
}

func proxied(a results.EgressAttempt) bool {
	return a.Method == results.MethodHTTPProxy || a.Method == results.MethodHTTPSProxy
}

// workingMethods are the ways out that a positive control showed to work
// from this host (see the package documentation): a method on a family
// works when some attempt with it reached a positive control; a proxy
// works when it answered anything at all (a proxy that refuses to forward
// has shown that its refusal is what stops the request).
func (g *egressFacts) workingMethods() map[string]bool {
	ok := map[string]bool{}
	for _, d := range g.dests {
		for _, a := range d.Attempts {
			switch {
			case proxied(a) && (a.Reachable || strings.HasPrefix(a.Answer, "HTTP ") || strings.HasPrefix(a.Answer, "CONNECT ")):
				ok[methodKey(a)] = true
			case d.Control && a.Reachable:
				ok[methodKey(a)] = true
			}
		}
	}
	return ok
}

// uncontrolled lists the ways out tried on the destinations in scope for
// which no positive control worked: their "not reachable" proves nothing.
// A proxy that never answered is backed by a working TCP control (the
// probe could connect out; the proxy was not there).
func (g *egressFacts) uncontrolled(inScope func(results.EgressDestination) bool) []string {
	ok := g.workingMethods()
	tcp := ok[results.MethodTCP+"/ip4"] || ok[results.MethodTCP+"/ip6"]
	var out []string
	for _, d := range g.dests {
		if d.Control || d.RandomPort || !inScope(d) {
			continue
		}
		for _, a := range d.Attempts {
			k := methodKey(a)
			if a.Method == "resolve" || ok[k] || (proxied(a) && tcp) || slices.Contains(out, k) {
				continue
			}
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// triedMethods counts the distinct ways out tried on the destinations in scope.
func (g *egressFacts) triedMethods(inScope func(results.EgressDestination) bool) int {
	seen := map[string]bool{}
	for _, d := range g.dests {
		if d.Control || d.RandomPort || !inScope(d) {
			continue
		}
		for _, a := range d.Attempts {
			if a.Method != "resolve" {
				seen[methodKey(a)] = true
			}
		}
	}
	return len(seen)
}

// dnsPath judges the host's resolver as a way out: leaked lists the names
// it resolved (external names, or canaries whose server echoed them: the
// query arrived outside); why is non-empty when the resolver cannot be
// counted as closed (no check ran although the host has a resolver, or it
// answered none, so a refusal cannot be told from a dead resolver).
func (g *egressFacts) dnsPath() (leaked []string, why, note string) {
	answered := 0
	for _, c := range g.dns {
		if c.Rcode != "" {
			answered++
		}
		if c.Resolved {
			leaked = append(leaked, fmt.Sprintf("%s name %s resolved by %s (%s)", c.Kind, c.Name, c.Resolver, strings.Join(c.Answers, " ")))
		}
	}
	switch {
	case len(leaked) > 0:
		return leaked, "", ""
	case len(g.dns) == 0 && g.resolverNote != "":
		return nil, "", "no resolver on the host (" + g.resolverNote + ")"
	case len(g.dns) == 0:
		return nil, "the host's resolver was not asked (dns_leak off)", ""
	case answered == 0:
		return nil, fmt.Sprintf("the host's resolver answered none of %d DNS checks", len(g.dns)), ""
	}
	return nil, "", fmt.Sprintf("resolver refused recursion (%d/%d checks answered, none resolved)", answered, len(g.dns))
}

// portNote says which TCP and UDP ports were tried on the destinations in
// scope, and that no other was: a provider may leave a way out open on a
// port the probe never tried, and a pass cannot speak for it ("" when no
// TCP or UDP attempt was made).
func (g *egressFacts) portNote(inScope func(results.EgressDestination) bool) string {
	ports := map[string]map[int]bool{results.MethodTCP: {}, results.MethodUDP: {}}
	for _, d := range g.dests {
		if d.Control || d.RandomPort || !inScope(d) || d.Port == 0 {
			continue
		}
		for _, a := range d.Attempts {
			if m, ok := ports[a.Method]; ok && a.Proxy == "" {
				m[d.Port] = true
			}
		}
	}
	tcp, udp := len(ports[results.MethodTCP]), len(ports[results.MethodUDP])
	if tcp+udp == 0 {
		return ""
	}
	if tcp == 65535 && udp == 65535 {
		return "TCP connects and UDP datagrams tried on every port"
	}
	return fmt.Sprintf("TCP connects tried on %s and UDP datagrams on %s of 65535, no other port (sweep tcp_ports/udp_ports widen it)",
		portCount(tcp), portCount(udp))
}

func portCount(n int) string {
	if n == 1 {
		return "1 port"
	}
	return fmt.Sprintf("%d ports", n)
}
