// Package egress is the egress probe: what a host can reach. It tries
// every destination (inline or from destination list files) with its
// protocol's methods (TCP connect, UDP token, ICMP echo, DNS, NTP, HTTP(S)
// direct and through a proxy, TLS with pinning), random ports on reachable
// positive controls, and DNS-leak checks through the host's own resolver.
// Its parameters are probes.EgressParams.
package egress
