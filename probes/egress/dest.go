package egress

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// dest is one destination to try: as declared, or a random port the probe
// added on a reachable control.
type dest struct {
	probes.DestinationSpec
	randomPort bool
}

// collectDestinations returns the inline destinations (normalised by
// Validate) and the destinations of every list, in order.
func collectDestinations(p probes.EgressParams) ([]dest, error) {
	listed, err := p.ListedDestinations()
	if err != nil {
		return nil, err
	}
	var out []dest
	for _, d := range append(slices.Clip(p.Destinations), listed...) {
		out = append(out, dest{DestinationSpec: d})
	}
	for i, s := range p.Sweep {
		for _, d := range probes.CoverageDestinations(s) {
			if err := d.Normalise(fmt.Sprintf("sweep[%d]", i)); err != nil {
				return nil, err
			}
			out = append(out, dest{DestinationSpec: d})
		}
	}
	return out, nil
}

// addresses resolves d's host to the addresses to dial, filtered by family.
// A name that does not resolve yields one failed "resolve" attempt.
func (e *egressProbe) addresses(ctx context.Context, rec *probes.Recorder, d dest) ([]net.IP, *results.EgressAttempt) {
	host := strings.Trim(d.Host, "[]")
	if ip := net.ParseIP(host); ip != nil {
		if !e.familyAllowed(ip) {
			return nil, nil
		}
		return []net.IP{ip}, nil
	}
	ips, a := e.resolve(ctx, rec, host)
	var out []net.IP
	for _, ip := range ips {
		if e.familyAllowed(ip) {
			out = append(out, ip)
		}
	}
	return out, a
}

func (e *egressProbe) familyAllowed(ip net.IP) bool {
	return len(e.p.Families) == 0 || slices.Contains(e.p.Families, family(ip))
}

func family(ip net.IP) string {
	if ip.To4() != nil {
		return "ip4"
	}
	return "ip6"
}
