// Package claims is the claim catalogue: every claim kind a suite can
// state (operator.not_in, location.in, egress.blocked, tpm.required, ...),
// named once, with its parameter type, its check and its pure evaluation
// over one target's evidence. Evaluate turns a suite's claims and a
// report's evidence into verdicts; it is pure, so anyone can re-evaluate a
// report's verdicts from its evidence (package verify does).
//
// Claims do not decode YAML themselves: the suite loader decodes each
// claim's parameters strictly (Kind.Parse takes its decoder) and places
// any error in the suite file.
package claims

// # Egress: positive evidence only
//
// egress.disconnected, egress.blocked and egress.allowed_only speak for
// every way out the egress probe tried on the destinations in their scope.
// A way out is a method on an address family (tcp/ip4, udp/ip6, quic/ip4,
// icmp/ip6 = ICMPv6, dns, ntp, http, https, tls) or a proxied method through
// one proxy (the suite's, or one found on the host). A claim fails as soon
// as any destination in scope answered by any way out (for disconnected,
// also when the host's resolver resolved an external or canary name: the
// query left the provider). It passes only when nothing answered AND, for
// every way out tried, a positive control showed that it works from that
// host:
//
//   - a method on a family works when an attempt with it reached a
//     destination marked control: a provider-internal service the suite or
//     the lab names (an echo answering TCP, UDP and ICMP, an HTTP(S) server
//     whose certificate verifies, an NTP or QUIC server, a resolver);
//   - a proxy works when it answered anything (even its refusal to forward:
//     that refusal is then what stopped the request); a proxy that never
//     answered is backed by a working TCP control;
//   - the host's resolver works when it answered at least one DNS-leak
//     check; a resolver that refuses recursion (REFUSED, or no answer of the
//     type asked) is not a way out; a host with no resolver has none.
//
// A way out with no working control makes the verdict inconclusive, naming
// it, as do the older checks (every declared control reachable, random
// ports on the controls answering, every destination tried).
//
// How a lying provider could fake a control, and why it does not help: the
// controls sit inside the provider, so it can make them answer anything;
// but a faked control only proves the method is not broken on the host,
// which is what it is for. To pass while leaking, the provider must make
// the probe's own attempts to the leak fail while its workloads' traffic
// passes: by destination it cannot (the probe tries the destinations the
// suite names, on every family and common port, through every proxy it can
// find), by process or user (a firewall rule matching the agent) it can,
// which no probe running on the host can rule out; arrivals recorded by a
// server the auditor controls (the lab's sinks and canary zone) are the
// check that does not depend on the host.
//
// # Egress: the auditor's canaries
//
// A far end that answers nothing the probe understands (a UDP service
// that speaks only its own protocol, or a provider that drops every
// answer on the way back) looks from the host exactly like a sealed path:
// every attempt times out. The evidence that settles it is the far end's
// own record, which the host cannot touch. Every token-bearing attempt
// (UDP datagrams on the generic method, canary DNS names) carries the
// target's token of the run, which the auditor derives from the run id it
// chose (probes.RunToken), so a host cannot hide its traffic by reporting
// another token. A suite that lists a canary step (probe: canary) has the
// auditor, after the target's own steps, ask the far ends it runs which
// tokens arrived: the lab's recording services (lab: true), or a canary
// server's log endpoint (url:, probes/egress.CanaryLogFormat, within the
// step's timeout). Then:
//
//   - a token recorded at a destination in scope that the claim forbids
//     fails egress.disconnected, egress.blocked and egress.allowed_only,
//     naming the method and the address it arrived at, whatever the host
//     saw; arrivals at a positive control, or at an address no destination
//     of the evidence names, are not counted;
//   - a canary that could not be asked (no answer before the deadline, an
//     answer that is not a list of arrivals, no run id) makes a claim that
//     would pass inconclusive, naming the canary: unanswered traffic is then
//     unknown, not absent;
//   - the canary record is measured from outside the host, so the evidence
//     digest a TPM quote binds leaves it out (results.IsOutsideEvidence);
//     the report's signature covers it.
//
// What a pass does not speak for, and says so. The sweep tries TCP on the
// common ports (probes.CoverageTCPPorts: remote shells, mail, DNS over TCP
// on 53 and over TLS on 853, web and proxy ports) and UDP on a few
// (DNS, NTP, QUIC on 443, echo on probes.CoverageUDPEchoPorts); DNS over
// HTTPS is HTTPS on 443. A way out on any other port (TCP 40000 to one
// far end, say) is not tried: a sweep of every port takes minutes per far
// end at the default rate, so it is an option (sweep tcp_ports and
// udp_ports, "1-65535" for all, counted against the destinations limit),
// and a pass's reason says on how many TCP and UDP ports it tried and that
// it tried no other. A port counts only when the far end answers on it: a
// refusal (RST, ICMP unreachable) can come from the provider's firewall as
// well as from the far end, so a far end of a sweep must accept on every
// port swept (the lab's sinks listen on the ports their suites sweep).

// # Control-plane distance: upper bounds only
//
// control_plane.max_distance_km rests on timing from the host: the front
// end's round trip bounds its distance from above (≤ RTT × 2/3 c / 2), and
// server time beyond the suite's local allowance bounds a backend hop from
// above, per round trip of the backend exchange (backend_round_trips). No
// time measured from one place bounds a distance from below: a slow server
// next door takes as long as a fast one abroad. So the claim passes when
// every upper bound is within the limit, is inconclusive otherwise (the
// reason gives each bound, with "≤"), and never fails on timing: failing
// it needs a lower bound, such as the API placed by round trips from
// several vantage points, which no probe collects yet.

// # Host identity: claimed values fail, never pass
//
// The host probe reads what the host says about itself: DMI strings, the
// CPUID hypervisor bit and signature, which instance-metadata service
// answers, NIC prefixes and upstreams. The provider writes all of them (its
// firmware, its hypervisor, its network), so a lying provider can borrow
// another operator's DMI strings, clear the hypervisor bit or show another
// hypervisor's signature, and firewall its metadata service. These values
// therefore count only against the provider: a listed DMI vendor, a listed
// hypervisor, an answering metadata service, signals naming an excluded
// operator, a hypervisor seen where the claim says none, each fails its
// claim. The opposite (no match, no hypervisor seen, silence) is
// inconclusive with the reason, never a pass. operator.in and
// operator.not_in can pass, but only on an operator that verified TPM facts
// name (an EK chain to a cloud vTPM root, or a cloud AK certificate that
// certifies the quoting AK, with the AK↔EK binding confirmed by the
// challenging verifier that signed the report); a TPM maker's endorsement
// names no operator. hypervisor.present: true passes on a hypervisor seen:
// showing one a host does not have gains a provider nothing.
