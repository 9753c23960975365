package claims

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sovbench/sovbench/results"
)

// egressFacts gathers the egress evidence of one target.
type egressFacts struct {
	dests        []results.EgressDestination
	dns          []results.DNSCheck
	refs         []string
	summary      results.EgressSummary
	notTried     int
	resolverNote string
	canary       canaryFacts
}

func egressOf(f Facts) (*egressFacts, *Outcome) {
	g := &egressFacts{}
	for _, e := range f.Of("egress") {
		if e.Egress == nil {
			continue
		}
		g.refs = append(g.refs, e.ID)
		g.dests = append(g.dests, e.Egress.Destinations...)
		g.dns = append(g.dns, e.Egress.DNS...)
		if e.Egress.ResolverNote != "" {
			g.resolverNote = e.Egress.ResolverNote
		}
		s := e.Egress.Summary
		g.summary.Destinations += s.Destinations
		g.summary.Reachable += s.Reachable
		g.summary.Controls += s.Controls
		g.summary.ControlsReachable += s.ControlsReachable
		g.summary.RandomPorts += s.RandomPorts
		g.summary.RandomPortsAnswered += s.RandomPortsAnswered
		g.notTried += s.NotTried
	}
	if len(g.refs) == 0 {
		o := inconclusive("no egress evidence for " + f.Target)
		return nil, &o
	}
	g.addCanaries(f)
	return g, nil
}

// controls says why the positive controls do not back a "nothing got
// through" verdict ("" when they do).
func (g *egressFacts) controls() string {
	s := g.summary
	switch {
	case s.Controls == 0:
		return "no positive control declared, so unreachable cannot be told from a broken probe"
	case s.ControlsReachable < s.Controls:
		return fmt.Sprintf("only %d of %d positive controls reachable", s.ControlsReachable, s.Controls)
	case s.RandomPorts > 0 && s.RandomPortsAnswered == 0:
		return fmt.Sprintf("none of %d random ports on the controls answered (not even refused)", s.RandomPorts)
	case g.notTried > 0:
		return fmt.Sprintf("%d destinations not tried before the run stopped", g.notTried)
	}
	return ""
}

func (g *egressFacts) controlNote() string {
	s := g.summary
	note := fmt.Sprintf("controls %d/%d reachable", s.ControlsReachable, s.Controls)
	if s.RandomPorts > 0 {
		note += fmt.Sprintf(", %d/%d random control ports answered", s.RandomPortsAnswered, s.RandomPorts)
	}
	return note
}

// listReachable renders reachable destinations for a reason, at most five.
func listReachable(ds []results.EgressDestination) string {
	var parts []string
	for i, d := range ds {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(ds)-5))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (via %s)", d.Label(), strings.Join(viaWays(d), ", ")))
	}
	return strings.Join(parts, ", ")
}

// viaWays names the ways out that reached d: its methods, a proxied one
// with the proxy it went through ("https_proxy through http://…:3128").
func viaWays(d results.EgressDestination) []string {
	var out []string
	for _, a := range d.Attempts {
		if !a.Reachable {
			continue
		}
		w := a.Method
		if a.Proxy != "" {
			w += " through " + a.Proxy
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return d.Via
	}
	return out
}

// judge decides a claim over the destinations in scope: fail when any
// forbidden one got through, when the auditor's canaries recorded this
// run's token at one (even if the host saw only timeouts), or, with
// withDNS, when the host's resolver recursed; inconclusive when the
// controls do not back a negative for every way out tried, or a canary
// could not be asked (named in the reason); pass otherwise.
func (g *egressFacts) judge(scope string, inScope, forbidden func(results.EgressDestination) bool, withDNS bool) Outcome {
	tried, total := 0, 0
	var leaked []results.EgressDestination
	for _, d := range g.dests {
		if d.Control || d.RandomPort || !inScope(d) {
			continue
		}
		total++
		if d.Tried {
			tried++
		}
		if d.Reachable && forbidden(d) {
			leaked = append(leaked, d)
		}
	}
	var dnsLeaks []string
	var dnsWhy, dnsNote string
	if withDNS {
		dnsLeaks, dnsWhy, dnsNote = g.dnsPath()
	}
	canaryLeaks, canaryDests := g.canaryLeaks(inScope, forbidden)
	figure := fmt.Sprintf("%d/%d reachable", len(leaked)+canaryDests, total)
	switch {
	case len(leaked) > 0 || len(dnsLeaks) > 0 || len(canaryLeaks) > 0:
		return fail(leakReason(scope, total, leaked, dnsLeaks, canaryLeaks), figure, g.refs...)
	case total == 0:
		return inconclusive("no "+scope+" were tried", g.refs...)
	}
	var why []string
	if w := g.controls(); w != "" {
		why = append(why, w)
	}
	if u := g.uncontrolled(inScope); len(u) > 0 {
		why = append(why, "no positive control showed these ways out work: "+strings.Join(first(u, 8), ", "))
	}
	why = appendNonEmpty(why, dnsWhy, g.canaryWhy())
	if len(why) > 0 {
		return inconclusive(fmt.Sprintf("0 of %d %s reachable, but %s", total, scope, strings.Join(why, "; ")), g.refs...)
	}
	reason := fmt.Sprintf("0 of %d %s reachable by any of %d ways out, each shown working by a positive control (%d tried; %s)",
		total, scope, g.triedMethods(inScope), tried, g.controlNote())
	if dnsNote != "" {
		reason += "; DNS: " + dnsNote
	}
	for _, n := range []string{g.canaryNote(), g.portNote(inScope)} {
		if n != "" {
			reason += "; " + n
		}
	}
	return pass(reason, figure, g.refs...)
}

// leakReason is a failing reason: what got through, by which way out.
func leakReason(scope string, total int, leaked []results.EgressDestination, dnsLeaks, canaryLeaks []string) string {
	parts := []string{}
	if len(leaked) > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d %s reachable: %s", len(leaked), total, scope, listReachable(leaked)))
	}
	if len(dnsLeaks) > 0 {
		parts = append(parts, "DNS through the host's resolver: "+strings.Join(first(dnsLeaks, 3), "; "))
	}
	if len(canaryLeaks) > 0 {
		parts = append(parts, "the auditor's canaries recorded this run's token (whatever the host saw): "+strings.Join(first(canaryLeaks, 5), ", "))
	}
	return strings.Join(parts, "; ")
}

func appendNonEmpty(s []string, items ...string) []string {
	for _, it := range items {
		if it != "" {
			s = append(s, it)
		}
	}
	return s
}

// first returns at most n items, the last saying how many more there were.
func first(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(slices.Clip(s[:n]), fmt.Sprintf("and %d more", len(s)-n))
}

func mustBeTrue(b bool) error {
	if !b {
		return errors.New("only `true` is meaningful; drop the claim instead")
	}
	return nil
}

var claimEgressDisconnected = claimKind("egress.disconnected",
	"Nothing but the positive controls is reachable by any method (TCP, UDP, QUIC, DNS, NTP, ICMP, HTTP(S), TLS, every proxy) and the host's resolver does not recurse outside; each way out needs a working positive control.",
	"egress.disconnected: true",
	[]string{"egress"}, mustBeTrue,
	func(_ bool, f Facts) Outcome {
		g, miss := egressOf(f)
		if miss != nil {
			return *miss
		}
		all := func(results.EgressDestination) bool { return true }
		return g.judge("destinations", all, all, true)
	})

// allowMatch reports whether d matches an allow-list entry: a host, a
// host:port, or a category.
func allowMatch(allow []string, d results.EgressDestination) bool {
	hp := d.Host + ":" + strconv.Itoa(d.Port)
	return slices.ContainsFunc(allow, func(a string) bool {
		return strings.EqualFold(a, d.Host) || strings.EqualFold(a, hp) || a == d.Category || slices.Contains(d.Addresses, a)
	})
}

var claimEgressAllowedOnly = claimKind("egress.allowed_only",
	"Only these destinations (host, host:port or category) are reachable; everything else is not.",
	"egress.allowed_only: [api.provider.internal:443, telemetry]",
	[]string{"egress"}, nonEmptyList("destination"),
	func(allow []string, f Facts) Outcome {
		g, miss := egressOf(f)
		if miss != nil {
			return *miss
		}
		all := func(results.EgressDestination) bool { return true }
		return g.judge("destinations outside the allow-list", func(d results.EgressDestination) bool { return !allowMatch(allow, d) }, all, false)
	})

var claimEgressBlocked = claimKind("egress.blocked",
	"No destination of these categories is reachable by any method.",
	"egress.blocked: [us-hyperscaler-control-plane, telemetry]",
	[]string{"egress"}, nonEmptyList("category"),
	func(cats []string, f Facts) Outcome {
		g, miss := egressOf(f)
		if miss != nil {
			return *miss
		}
		in := func(d results.EgressDestination) bool { return slices.Contains(cats, d.Category) }
		return g.judge(strings.Join(cats, "/")+" destinations", in, in, false)
	})

func nonEmptyList(what string) func([]string) error {
	return func(l []string) error {
		if len(l) == 0 {
			return fmt.Errorf("needs at least one %s", what)
		}
		return nil
	}
}

var claimDNSNoExternalResolution = claimKind("dns.no_external_resolution",
	"The host's resolver does not resolve names outside the provider, and canary names never reach their zone's server.",
	"dns.no_external_resolution: true",
	[]string{"egress"}, mustBeTrue,
	func(_ bool, f Facts) Outcome {
		g, miss := egressOf(f)
		if miss != nil {
			return *miss
		}
		var leaked, tampered []string
		answered := 0
		for _, c := range g.dns {
			if c.Rcode != "" {
				answered++
			}
			switch {
			case c.Resolved:
				leaked = append(leaked, fmt.Sprintf("%s %s (%s)", c.Kind, c.Name, strings.Join(c.Answers, " ")))
			case c.Class == string(results.ClassDNSTampered):
				tampered = append(tampered, c.Name)
			}
		}
		figure := fmt.Sprintf("%d/%d resolved", len(leaked), len(g.dns))
		if len(leaked) > 0 {
			return fail(fmt.Sprintf("%d of %d names resolved through the host's resolver: %s", len(leaked), len(g.dns), strings.Join(leaked, ", ")), figure, g.refs...)
		}
		if len(g.dns) == 0 {
			return inconclusive("no DNS-leak check was run (set dns_leak in the egress probe)", g.refs...)
		}
		if answered == 0 {
			return inconclusive(fmt.Sprintf("the resolver answered none of %d checks, so a refusal cannot be told from a dead resolver", len(g.dns)), g.refs...)
		}
		reason := fmt.Sprintf("0 of %d names resolved (%d answered by the resolver)", len(g.dns), answered)
		if len(tampered) > 0 {
			reason += fmt.Sprintf("; %d answers tampered: %s", len(tampered), strings.Join(tampered, ", "))
		}
		return pass(reason, figure, g.refs...)
	})

var claimTLSNoInterception = claimKind("tls.no_interception",
	"Every TLS handshake to a destination outside the positive controls presented the expected certificate chain (CA or pin): nothing intercepts TLS.",
	"tls.no_interception: true",
	[]string{"egress"}, mustBeTrue,
	func(_ bool, f Facts) Outcome {
		g, miss := egressOf(f)
		if miss != nil {
			return *miss
		}
		var bad []string
		genuine, tried := 0, 0
		for _, d := range g.dests {
			if d.Control || d.RandomPort {
				continue // a handshake inside the provider says nothing about the way out
			}
			for _, a := range d.Attempts {
				if a.Method != results.MethodTLS && a.Method != results.MethodHTTPS && a.Method != results.MethodHTTPSProxy {
					continue
				}
				tried++
				switch {
				case a.Class == string(results.ClassTLSIntercepted):
					bad = append(bad, fmt.Sprintf("%s via %s (%s)", d.Label(), a.Method, a.Answer))
				case a.Reachable:
					genuine++
				}
			}
		}
		figure := fmt.Sprintf("%d/%d intercepted", len(bad), tried)
		if n := len(bad); n > 0 {
			if n > 5 {
				bad = append(bad[:5], fmt.Sprintf("and %d more", len(bad)-5))
			}
			return fail(fmt.Sprintf("%d of %d TLS attempts intercepted: %s", n, tried, strings.Join(bad, ", ")), figure, g.refs...)
		}
		if genuine == 0 {
			return inconclusive(fmt.Sprintf("none of %d TLS attempts completed a handshake, so interception was not tested", tried), g.refs...)
		}
		return pass(fmt.Sprintf("%d of %d TLS attempts presented the expected chain, none intercepted", genuine, tried), figure, g.refs...)
	})
