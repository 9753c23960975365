package results

import (
	"strconv"
	"strings"
)

// EgressDetails is what the egress probe tried and what got through.
// Owned by the egress probe family.
//
// Everything a destination answered is unverified: an answer proves that
// something on the path answered, not that it was the destination named.
// Answers that cannot be right are flagged with a semantic class
// (dns_tampered, tls_intercepted, http_proxied, bogus_answer).
type EgressDetails struct {
	// RunToken marks this run's traffic: derived from the run id the
	// auditor chose (probes.RunToken; random without one). It is carried in datagrams to sinks and in
	// canary DNS names, so a sink or an authoritative server that recorded it
	// proves that this run's traffic arrived.
	RunToken string `json:"run_token"`
	// Proxy is the HTTP proxy the proxied methods used ("" when none was named).
	Proxy string `json:"proxy,omitempty"`
	// Proxies are every proxy the proxied methods went through: the one the
	// suite named and those found on the host (environment, system config
	// files, WPAD through DNS or a DHCP lease, the gateway's proxy ports).
	Proxies []ProxyFound `json:"proxies,omitempty"`
	// Resolver is the host's resolver the DNS-leak checks asked, and
	// ResolverNote why there was none ("" when there was).
	Resolver     string `json:"resolver,omitempty"`
	ResolverNote string `json:"resolver_note,omitempty"`
	// Destinations are in the order the suite declared them, followed by the
	// random-port checks on reachable positive controls.
	Destinations []EgressDestination `json:"destinations"`
	// Stream, when set, holds the destinations instead of Destinations
	// (then nil): an agent writing a large sweep keeps each destination in
	// a compact form and builds it again only to write it. encoding/json
	// does not see it; WriteEvidenceJSON and the evidence digest do. Only
	// an agent's writer of evidence lines asks for it (see
	// WriteEvidenceJSON); a record decoded from JSON never has one.
	Stream DestinationStream `json:"-"`
	// DNS holds the DNS-leak checks: external names through the host's
	// resolver and canary names under an authoritative zone that records them.
	DNS     []DNSCheck    `json:"dns,omitempty"`
	Summary EgressSummary `json:"summary"`
}

// EgressSummary counts what was tried and what got through.
type EgressSummary struct {
	// Destinations and Reachable count destinations that are not positive controls.
	Destinations int `json:"destinations"`
	Reachable    int `json:"reachable"`
	// Controls and ControlsReachable count the positive controls the suite named.
	Controls          int `json:"controls"`
	ControlsReachable int `json:"controls_reachable"`
	// RandomPorts and RandomPortsAnswered count the random-port checks on
	// reachable controls; an answer (refused counts) proves packets flow.
	RandomPorts         int `json:"random_ports"`
	RandomPortsAnswered int `json:"random_ports_answered"`
	Attempts            int `json:"attempts"`
	// NotTried counts destinations the run did not reach before it was stopped.
	NotTried int `json:"not_tried"`
	// Classes counts attempts by class ("ok" or a failure class).
	Classes map[string]int `json:"classes,omitempty"`
}

// EgressDestination is one destination and every method tried against it.
type EgressDestination struct {
	Host     string `json:"host"` // a name or an IP literal
	Port     int    `json:"port,omitempty"`
	Protocol string `json:"protocol"` // tcp, udp, icmp, dns, ntp, http, https, tls
	Category string `json:"category,omitempty"`
	// Control marks a positive control: it must be reachable for a
	// disconnection verdict to mean anything.
	Control bool `json:"control,omitempty"`
	// RandomPort marks a check of a random port on a reachable control.
	RandomPort bool `json:"random_port,omitempty"`
	// Addresses are the IPs dialled (resolved when Host is a name; unverified).
	Addresses []string `json:"addresses,omitempty"`
	// Reachable is true when any attempt got an answer through.
	Reachable bool `json:"reachable"`
	// Via lists the methods that got through, in attempt order.
	Via []string `json:"via,omitempty"`
	// Tried is false when the run stopped before this destination was tried.
	Tried    bool            `json:"tried"`
	Attempts []EgressAttempt `json:"attempts,omitempty"`
}

// Label names the destination in reasons: "198.18.9.9:443/tcp telemetry".
func (d EgressDestination) Label() string {
	var b strings.Builder
	b.WriteString(d.Host)
	if d.Port > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(d.Port))
	}
	b.WriteString("/" + d.Protocol)
	if d.Category != "" {
		b.WriteString(" " + d.Category)
	}
	return b.String()
}

// The egress methods. A destination's protocol picks its default methods.
const (
	MethodTCP        = "tcp"         // TCP connect
	MethodUDP        = "udp"         // a token-bearing datagram (answered only by a sink that echoes)
	MethodDNS        = "dns"         // a DNS query straight to the destination as a resolver
	MethodNTP        = "ntp"         // an NTP client request
	MethodICMP       = "icmp"        // ICMP echo
	MethodHTTP       = "http"        // HTTP GET bypassing any proxy
	MethodHTTPProxy  = "http_proxy"  // HTTP GET through the proxy
	MethodHTTPS      = "https"       // HTTPS GET bypassing any proxy
	MethodHTTPSProxy = "https_proxy" // HTTPS GET through the proxy (CONNECT)
	MethodTLS        = "tls"         // TLS handshake, certificate checked against the expected CA or pin
	MethodQUIC       = "quic"        // a real QUIC Initial; any QUIC answer (version negotiation, retry, initial, handshake) is a path
)

// ProxyFound is one proxy the egress probe went through, and where it
// learnt of it (unverified: the host's own configuration).
type ProxyFound struct {
	URL string `json:"url"`
	// Source is suite, env:VAR, file:PATH, wpad:URL, dhcp:PATH or gateway.
	Source string `json:"source"`
}

// ClassOK is the class of an attempt that got an answer with nothing wrong in
// it. It is not a failure class.
const ClassOK = "ok"

// EgressAttempt is one method tried against one address of a destination.
type EgressAttempt struct {
	Method  string `json:"method"`
	Address string `json:"address"` // ip:port (or ip for ICMP) dialled
	// Proxy is the proxy a proxied method went through.
	Proxy  string `json:"proxy,omitempty"`
	Family string `json:"family,omitempty"` // ip4, ip6
	// Operation is the last operation attempted: resolve, connect, write,
	// read, tls, http.
	Operation string `json:"operation"`
	// Class is "ok" or a failure class; semantic classes flag answers that
	// cannot be right.
	Class string `json:"class"`
	// Reachable is true when something answered through this method.
	Reachable bool     `json:"reachable"`
	Start     Duration `json:"t"` // since Evidence.Start
	Took      Duration `json:"took"`
	// Phases are per-phase timings where the method has phases.
	Phases *Phases `json:"phases,omitempty"`
	// Answer describes what answered (unverified): an HTTP status, DNS rcode
	// and records, a certificate issuer, an NTP stratum.
	Answer string `json:"answer,omitempty"`
	// Token is the run token variant carried by this attempt, if any.
	Token   string   `json:"token,omitempty"`
	Failure *Failure `json:"failure,omitempty"`
}

// Phases are per-phase timings of one attempt, each from the attempt start.
type Phases struct {
	Connect   Duration `json:"connect,omitempty"`
	TLS       Duration `json:"tls,omitempty"`
	FirstByte Duration `json:"first_byte,omitempty"`
}

// DNS-leak check kinds.
const (
	DNSExternal = "external" // an external name through the host's resolver
	DNSCanary   = "canary"   // a unique name under a zone whose server records arrivals
)

// DNSCheck is one DNS-leak check.
type DNSCheck struct {
	Kind     string `json:"kind"` // external, canary
	Name     string `json:"name"`
	Type     string `json:"type"`     // A, AAAA, TXT
	Resolver string `json:"resolver"` // ip:port asked (the host's resolver)
	// Expect lists the answers the suite declared right; an answer outside it
	// (or, without it, a private or reserved address) is dns_tampered.
	Expect []string `json:"expect,omitempty"`
	// Class is "ok" or a failure class.
	Class string `json:"class"`
	// Resolved is true when the resolver returned an answer that is not
	// tampered: recursion reached the name's servers (a leak for external
	// names; for canaries, proof the query reached the recording server).
	Resolved bool     `json:"resolved"`
	Rcode    string   `json:"rcode,omitempty"`
	Answers  []string `json:"answers,omitempty"` // unverified
	Start    Duration `json:"t"`
	Took     Duration `json:"took"`
	Failure  *Failure `json:"failure,omitempty"`
}
