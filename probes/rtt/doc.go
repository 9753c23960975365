// Package rtt is the round-trip probe: paced samples to landmarks with
// known positions (TCP connect, UDP echo, ICMP echo, kernel timestamps
// where the kernel has them) and the region the minimum round trips bound
// the host to (probes.LocationOf, or CBG bestlines with calibration). Its
// parameters are probes.RTTParams.
package rtt
