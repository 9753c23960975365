// Package lab builds simulated providers from real kernel network namespaces
// on one machine, for tests and the demo.
//
// A lab file (YAML, decoded strictly) lists providers with their ground truth
// (coordinates, country, operator), their hosts (one network namespace each,
// with an egress policy enforced by routes and nftables inside it), an
// "internet" namespace and services (landmarks, sinks, instance-metadata
// servers, and kinds other packages add to the registry in services.go).
// Every namespace reaches the others only through a user-space forwarder
// (package netem) that delays each packet by the great-circle distance between
// its source and destination at 2/3 c times the lab's inflation factor (or
// the path model's per-link inflation and access delay), plus an
// exponentially distributed queueing delay of mean "jitter" that only ever
// adds: no packet is faster than light in fibre over the true great circle.
//
// Addresses are deterministic: provider p (1-based, file order) owns
// 198.18.p.0/24 and fd5b:1ab:0:p::/64; its host h has 198.18.p.h; its k-th
// service 198.18.p.(100+k). The internet namespace is 198.19.0.1 and its k-th
// service 198.19.1.k. Each IPv4 address a.b.c.d has the IPv6 twin
// fd5b:1ab:0:XXYY::d with XX = b-18 and YY = c (see V6Of). These prefixes
// exist only inside the lab's namespaces: Up refuses to start when the root
// namespace routes or holds any of them, and it never adds a route or link
// to the root namespace.
//
// Suites reach lab hosts through the runner's run.Labs (scenarios/run),
// which this package implements (Running: the labs running on this machine; *Lab: a
// lab this process holds). A host's identity fixture reaches its agent only
// as the hidden --lab-fixture flag (see README.md).
//
// Up needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN). State lives in
// /run/sovbench/labs/<name>/; a lab whose process died is removed by the
// next Up or by Down.
package lab
