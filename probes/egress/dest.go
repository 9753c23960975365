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

// specList is the destinations of a run in order, read where they are
// (the parameters' inline list, the lists read from files, each sweep's
// coverage, the random ports added) and a destination with Ports
// expanded only when it is read (at): never one list of them all.
type specList struct {
	runs   []specRun
	starts []int // starts[k] is the index of runs[k]'s first destination
	extra  []dest
	n      int // destinations in runs
}

// specRun is consecutive destinations: specs as declared, or tmpl on
// each of ports.
type specRun struct {
	specs []probes.DestinationSpec
	tmpl  probes.DestinationSpec
	ports []uint16
}

func (r *specRun) len() int {
	if r.ports != nil {
		return len(r.ports)
	}
	return len(r.specs)
}

// collectDestinations returns the inline destinations (normalised by
// Validate), then those of every list, then every sweep's coverage.
func collectDestinations(p probes.EgressParams) (specList, error) {
	listed, err := p.ListedDestinations()
	if err != nil {
		return specList{}, err
	}
	var l specList
	for _, ds := range [][]probes.DestinationSpec{p.Destinations, listed} {
		if err := l.addSpecs(ds); err != nil {
			return specList{}, err
		}
	}
	for i, s := range p.Sweep {
		if err := l.addSweep(fmt.Sprintf("sweep[%d]", i), s); err != nil {
			return specList{}, err
		}
	}
	return l, nil
}

// addSpecs adds normalised destinations: runs of single ones as they
// are, each with Ports as a run of its own.
func (l *specList) addSpecs(ds []probes.DestinationSpec) error {
	for len(ds) > 0 {
		k := slices.IndexFunc(ds, func(d probes.DestinationSpec) bool { return d.Ports != "" })
		if k < 0 {
			k = len(ds)
		}
		if k > 0 {
			l.add(specRun{specs: ds[:k]})
			ds = ds[k:]
			continue
		}
		ports, err := probes.ParsePorts(ds[0].Ports)
		if err != nil {
			return fmt.Errorf("%s ports: %w", ds[0].Host, err)
		}
		l.addPorts(ds[0], ports)
		ds = ds[1:]
	}
	return nil
}

// addSweep adds sweep s's coverage (probes.CoverageDestinations): the
// common part as one run, then its extra TCP and UDP ports, a run each.
func (l *specList) addSweep(where string, s probes.SweepSpec) error {
	tcp, udp, err := s.ExtraPorts()
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	common := s
	common.TCPPorts, common.UDPPorts = "", ""
	cover := probes.CoverageDestinations(common)
	for k := range cover {
		if err := cover[k].Normalise(where); err != nil {
			return err
		}
	}
	l.add(specRun{specs: cover})
	for _, x := range []struct {
		proto string
		ports []int
	}{{"tcp", tcp}, {"udp", udp}} {
		if len(x.ports) == 0 {
			continue
		}
		tmpl := probes.DestinationSpec{Host: s.Host, Port: x.ports[0], Protocol: x.proto, Category: s.Category}
		if err := tmpl.Normalise(where); err != nil {
			return err
		}
		l.addPorts(tmpl, x.ports)
	}
	return nil
}

// addPorts adds tmpl on each of ports.
func (l *specList) addPorts(tmpl probes.DestinationSpec, ports []int) {
	r := specRun{tmpl: tmpl, ports: make([]uint16, len(ports))}
	r.tmpl.Ports = ""
	for k, p := range ports {
		r.ports[k] = uint16(p)
	}
	l.add(r)
}

func (l *specList) add(r specRun) {
	if r.len() == 0 {
		return
	}
	l.runs = append(l.runs, r)
	l.starts = append(l.starts, l.n)
	l.n += r.len()
}

// len is the number of destinations.
func (l *specList) len() int { return l.n + len(l.extra) }

// at is destination i.
func (l *specList) at(i int) dest {
	if i >= l.n {
		return l.extra[i-l.n]
	}
	k, found := slices.BinarySearch(l.starts, i)
	if !found {
		k--
	}
	r := &l.runs[k]
	if r.ports == nil {
		return dest{DestinationSpec: r.specs[i-l.starts[k]]}
	}
	d := dest{DestinationSpec: r.tmpl}
	d.Port = int(r.ports[i-l.starts[k]])
	return d
}

// withExtra returns l followed by extra (l itself is not changed).
func (l specList) withExtra(extra []dest) specList {
	l.extra = append(slices.Clip(l.extra), extra...)
	return l
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
