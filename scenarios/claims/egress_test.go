package claims

import (
	"slices"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/results"
)

// egressEvidence builds egress evidence from destinations (summary derived).
func egressEvidence(ds []results.EgressDestination, dns ...results.DNSCheck) Facts {
	var s results.EgressSummary
	for _, d := range ds {
		switch {
		case d.RandomPort:
			s.RandomPorts++
			if len(d.Attempts) > 0 && d.Attempts[0].Class != "timeout" {
				s.RandomPortsAnswered++
			}
		case d.Control:
			s.Controls++
			if d.Reachable {
				s.ControlsReachable++
			}
		default:
			s.Destinations++
			if d.Reachable {
				s.Reachable++
			}
		}
	}
	return Facts{Target: "t", Evidence: []results.Evidence{{ID: "t/egress", Probe: "egress",
		Egress: &results.EgressDetails{Destinations: ds, DNS: dns, Summary: s}}}}
}

func dest(host string, port int, cat string, reachable bool, classes ...string) results.EgressDestination {
	d := results.EgressDestination{Host: host, Port: port, Protocol: "tcp", Category: cat, Tried: true, Reachable: reachable}
	for _, c := range classes {
		m, cl, _ := strings.Cut(c, ":")
		a := results.EgressAttempt{Method: m, Class: cl, Reachable: cl == "ok" || cl == "tls_intercepted"}
		if a.Reachable {
			d.Via = append(d.Via, m)
		}
		d.Attempts = append(d.Attempts, a)
	}
	return d
}

// control is a positive control; reachable, it shows tcp and dns work.
func control(reachable bool) results.EgressDestination {
	d := dest("198.18.1.1", 443, "provider-api", reachable)
	if reachable {
		d = dest("198.18.1.1", 443, "provider-api", reachable, "tcp:ok", "dns:ok")
	}
	d.Control = true
	return d
}

func randomPort(class string) results.EgressDestination {
	d := dest("198.18.1.1", 31337, "provider-api", false, "tcp:"+class)
	d.RandomPort = true
	return d
}

func TestEgressClaims(t *testing.T) {
	closed := []results.EgressDestination{control(true), randomPort("refused"),
		dest("198.18.9.9", 443, "telemetry", false, "tcp:timeout"), dest("198.18.8.8", 53, "dns-resolver", false, "dns:timeout")}
	leaky := []results.EgressDestination{control(true), randomPort("refused"),
		dest("198.18.9.9", 443, "telemetry", true, "tcp:ok"), dest("198.18.8.8", 53, "dns-resolver", false, "dns:refused")}
	noControl := closed[2:]
	deadControl := append([]results.EgressDestination{control(false)}, closed[2:]...)
	silentPorts := append([]results.EgressDestination{control(true), randomPort("timeout")}, closed[2:]...)
	intercepted := []results.EgressDestination{control(true), dest("198.18.9.9", 443, "telemetry", true, "tcp:ok", "tls:tls_intercepted")}
	genuine := []results.EgressDestination{control(true), dest("198.18.1.2", 443, "provider-api", true, "tcp:ok", "tls:ok")}
	ext := func(resolved bool, class, rcode string) results.DNSCheck {
		return results.DNSCheck{Kind: "external", Name: "www.example.com.", Resolved: resolved, Class: class, Rcode: rcode, Answers: []string{"198.18.9.9"}}
	}
	refused := ext(false, "dns_failure", "REFUSED")
	silentUDP := append(slices.Clone(closed), dest("198.18.9.9", 443, "telemetry", false, "udp:timeout"))
	proxyRefused := append(slices.Clone(closed), dest("198.18.9.9", 443, "telemetry", false, "https_proxy:http_proxied"))
	proxyRefused[len(proxyRefused)-1].Attempts[0].Proxy = "http://198.18.1.9:3128"
	proxyRefused[len(proxyRefused)-1].Attempts[0].Answer = "CONNECT 403 Forbidden"
	noResolver := egressEvidence(closed)
	noResolver.Evidence[0].Egress.ResolverNote = "no nameserver in /etc/resolv.conf"
	cases := []claimCase{
		{"nothing reachable with a live control passes disconnected", claimEgressDisconnected, true, egressEvidence(closed, refused), results.StatusPass, "0 of 2 destinations reachable by any of 2 ways out"},
		{"a resolver that refuses recursion is not a path", claimEgressDisconnected, true, egressEvidence(closed, refused), results.StatusPass, "resolver refused recursion"},
		{"a resolver that recursed fails disconnected", claimEgressDisconnected, true, egressEvidence(closed, ext(true, "ok", "NOERROR")), results.StatusFail, "DNS through the host's resolver: external name www.example.com."},
		{"a resolver that answered nothing is inconclusive for disconnected", claimEgressDisconnected, true, egressEvidence(closed, ext(false, "timeout", "")), results.StatusInconclusive, "answered none of 1 DNS checks"},
		{"a resolver never asked is inconclusive for disconnected", claimEgressDisconnected, true, egressEvidence(closed), results.StatusInconclusive, "resolver was not asked"},
		{"a host without a resolver has no DNS way out", claimEgressDisconnected, true, noResolver, results.StatusPass, "no resolver on the host"},
		{"silent UDP without a UDP control is inconclusive, naming udp", claimEgressDisconnected, true, egressEvidence(silentUDP, refused), results.StatusInconclusive, "no positive control showed these ways out work: udp"},
		{"a proxy that refused to forward is its own control", claimEgressDisconnected, true, egressEvidence(proxyRefused, refused), results.StatusPass, "0 of 3 destinations reachable"},
		{"a reachable telemetry endpoint fails disconnected", claimEgressDisconnected, true, egressEvidence(leaky), results.StatusFail, "1 of 2 destinations reachable: 198.18.9.9:443/tcp telemetry (via tcp)"},
		{"no positive control is inconclusive, never pass", claimEgressDisconnected, true, egressEvidence(noControl), results.StatusInconclusive, "no positive control"},
		{"a failing control is inconclusive, never pass", claimEgressDisconnected, true, egressEvidence(deadControl), results.StatusInconclusive, "only 0 of 1 positive controls reachable"},
		{"random control ports that never answer are inconclusive", claimEgressDisconnected, true, egressEvidence(silentPorts), results.StatusInconclusive, "random ports"},
		{"no egress evidence is inconclusive", claimEgressDisconnected, true, Facts{Target: "t"}, results.StatusInconclusive, "no egress evidence"},
		{"telemetry on the allow-list passes allowed_only", claimEgressAllowedOnly, []string{"telemetry"}, egressEvidence(leaky), results.StatusPass, "0 of 1 destinations outside the allow-list"},
		{"an allow-list by host:port passes allowed_only", claimEgressAllowedOnly, []string{"198.18.9.9:443"}, egressEvidence(leaky), results.StatusPass, "reachable by any of 1 ways out"},
		{"a reachable host off the allow-list fails allowed_only", claimEgressAllowedOnly, []string{"ntp"}, egressEvidence(leaky), results.StatusFail, "198.18.9.9:443/tcp telemetry"},
		{"a blocked category that got through fails", claimEgressBlocked, []string{"telemetry"}, egressEvidence(leaky), results.StatusFail, "1 of 1 telemetry destinations reachable"},
		{"a blocked category that stayed closed passes", claimEgressBlocked, []string{"dns-resolver"}, egressEvidence(leaky), results.StatusPass, "0 of 1 dns-resolver destinations"},
		{"a category never tried is inconclusive", claimEgressBlocked, []string{"ntp"}, egressEvidence(leaky), results.StatusInconclusive, "no ntp destinations were tried"},
		{"an intercepted handshake fails no_interception", claimTLSNoInterception, true, egressEvidence(intercepted), results.StatusFail, "1 of 1 TLS attempts intercepted"},
		{"genuine handshakes pass no_interception", claimTLSNoInterception, true, egressEvidence(genuine), results.StatusPass, "1 of 1 TLS attempts presented the expected chain"},
		{"no completed handshake is inconclusive", claimTLSNoInterception, true, egressEvidence(closed), results.StatusInconclusive, "none of 0 TLS attempts"},
		{"an external name that resolved fails", claimDNSNoExternalResolution, true, egressEvidence(closed, ext(true, "ok", "NOERROR")), results.StatusFail, "1 of 1 names resolved"},
		{"NXDOMAIN for external names passes", claimDNSNoExternalResolution, true, egressEvidence(closed, ext(false, "nxdomain", "NXDOMAIN")), results.StatusPass, "0 of 1 names resolved"},
		{"a tampered answer is noted but is no resolution", claimDNSNoExternalResolution, true, egressEvidence(closed, ext(false, "dns_tampered", "NOERROR")), results.StatusPass, "1 answers tampered"},
		{"a resolver that never answered is inconclusive", claimDNSNoExternalResolution, true, egressEvidence(closed, ext(false, "timeout", "")), results.StatusInconclusive, "answered none"},
	}
	runClaimCases(t, cases)
}

// A pass names the TCP and UDP ports it tried and says no other port was:
// a provider may leave a way out open on a port the probe never tried.
func TestEgressPassSaysWhichPortsWereNotTried(t *testing.T) {
	udp := dest("198.18.9.9", 51820, "telemetry", false, "udp:timeout")
	udpControl := dest("198.18.1.1", 7, "provider-api", true, "udp:ok")
	udpControl.Control = true
	facts := egressEvidence([]results.EgressDestination{control(true), udpControl, randomPort("refused"),
		dest("198.18.9.9", 443, "telemetry", false, "tcp:timeout"), dest("198.18.9.9", 22, "telemetry", false, "tcp:refused"), udp},
		results.DNSCheck{Kind: "external", Name: "www.example.com.", Class: "dns_failure", Rcode: "REFUSED"})
	eval, err := claimEgressDisconnected.parse(node(t, true).Decode)
	if err != nil {
		t.Fatal(err)
	}
	o := eval(facts)
	want := "TCP connects tried on 2 ports and UDP datagrams on 1 port of 65535, no other port"
	if o.Status != results.StatusPass || !strings.Contains(o.Reason, want) {
		t.Fatalf("%s: %s, want a pass saying %q", o.Status, o.Reason, want)
	}
}

// A destination reached through a proxy is failed naming the proxy, so the
// auditor knows which one to look at.
func TestEgressFailNamesTheProxy(t *testing.T) {
	via := dest("198.18.9.9", 443, "telemetry", true, "tcp:timeout", "https_proxy:ok")
	via.Attempts[1].Proxy = "http://[fd5b:1ab:0:1b::69]:3128"
	eval, err := claimEgressDisconnected.parse(node(t, true).Decode)
	if err != nil {
		t.Fatal(err)
	}
	o := eval(egressEvidence([]results.EgressDestination{control(true), via}))
	want := "198.18.9.9:443/tcp telemetry (via https_proxy through http://[fd5b:1ab:0:1b::69]:3128)"
	if o.Status != results.StatusFail || !strings.Contains(o.Reason, want) {
		t.Fatalf("%s: %s, want a fail naming %q", o.Status, o.Reason, want)
	}
}
