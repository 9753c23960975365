// Package rtt is the round-trip probe: paced samples to landmarks with
// known positions (TCP connect, UDP echo, ICMP echo, kernel timestamps
// where the kernel has them) and the region the minimum round trips bound
// the host to (probes.LocationOf, or CBG bestlines with calibration). Its
// parameters are probes.RTTParams.
//
// A landmark with a tls block is also timed with authenticated round trips
// (HandshakeRTT): a TLS 1.3 handshake whose server flight only the holder
// of the landmark's key can send, timed from the ClientHello to that
// flight. A network that answers TCP or ICMP for a landmark from nearby
// (the audited provider's, say) cannot shorten it; the evidence marks those
// series Authenticated. HandshakeRTT and TLSAuth are the API other
// landmark sources (public anchors over HTTPS) use for the same timing.
package rtt
