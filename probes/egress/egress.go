package egress

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"runtime"
	"slices"
	"sync/atomic"

	"golang.org/x/time/rate"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

type egressProbe struct {
	p       probes.EgressParams
	specs   specList
	tls     *tlsExpectation
	proxies []results.ProxyFound // the suite's and the environment's; Run adds those it discovers
	noPing  atomic.Bool          // unprivileged ping sockets are refused here: use raw sockets
	limiter *rate.Limiter
}

// New returns an egress probe for validated parameters. It reads the
// destination lists and the tls.ca file, on the host that runs it.
func New(p probes.EgressParams) (probes.Probe, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	specs, err := collectDestinations(p)
	if err != nil {
		return nil, err
	}
	tx, err := newTLSExpectation(p.TLS)
	if err != nil {
		return nil, err
	}
	return &egressProbe{p: p, specs: specs, tls: tx, proxies: staticProxies(p.Proxy, os.Getenv)}, nil
}

func (e *egressProbe) Name() string    { return probes.EgressName }
func (e *egressProbe) Version() string { return probes.EgressVersion }

// Run tries every destination with every method its protocol calls for,
// then random ports on reachable controls, then the DNS-leak checks. What
// the network did is recorded; only a failure to get randomness is an error.
func (e *egressProbe) Run(ctx context.Context, t probes.Target) (results.Evidence, error) {
	rec := probes.Begin(e, t)
	token, err := runToken(ctx, t)
	if err != nil {
		return results.Evidence{}, err
	}
	e.limiter = rate.NewLimiter(rate.Limit(e.p.Rate), burstFor(e.p.Rate))
	d := results.EgressDetails{RunToken: token}
	rc := e.resolverConf()
	d.Resolver, d.ResolverNote = rc.server, rc.note
	e.proxies = append(e.proxies, e.discoverProxies(ctx, rc)...)
	d.Proxies = e.proxies
	if len(e.proxies) > 0 {
		d.Proxy = e.proxies[0].URL
	}
	restore := limitMemory(e.plannedAttempts())
	sw := newSweep(e.specs)
	e.runAll(ctx, rec, token, sw, 0)
	if extra := e.randomPortSpecs(sw); len(extra) > 0 {
		n := sw.Len()
		sw.extend(sw.specs.withExtra(extra))
		e.runAll(ctx, rec, token, sw, n)
	}
	d.DNS = e.dnsLeakChecks(ctx, rec, token, rc)
	d.Summary = summarise(sw)
	if probes.StreamsEvidence(ctx) {
		// The limit lasts as long as the outcomes it was sized for:
		// through the writing (and hashing) of the evidence.
		d.Stream = sw
		runtime.AddCleanup(&d, func(restore func()) { restore() }, restore)
	} else {
		restore()
		d.Destinations = sw.list()
	}
	return rec.Finish(func(ev *results.Evidence) {
		ev.Egress = &d
		if stopped(ctx) {
			err := ctx.Err()
			if err == nil {
				err = context.DeadlineExceeded
			}
			ev.Failure = probes.Classify("run", err)
		}
	}), nil
}

func burstFor(r float64) int {
	b := int(r / 50) // 20 ms worth of attempts
	if b < 1 {
		b = 1
	}
	return b
}

// runAll tries the destinations of s from from on, with at most
// Concurrency attempts in flight. The visiting order interleaves hosts
// (see interleave); each outcome is kept by its destination's index.
// Plain connects (an address, the tcp method alone: a port sweep) go
// through one connect loop, the rest through workers, one after the other.
func (e *egressProbe) runAll(ctx context.Context, rec *probes.Recorder, token string, s *sweep, from int) {
	var plain, rest []int32
	for _, i := range interleave(&s.specs, from) {
		if e.plainConnect(s.specs.at(int(i))) {
			plain = append(plain, i)
		} else {
			rest = append(rest, i)
		}
	}
	tick := probes.Counter(ctx, "destinations", s.Len()-from)
	if len(plain) > 0 && e.connectLoop(ctx, rec, s, plain, tick) != nil {
		rest = append(rest, plain...)
	}
	if len(rest) > 0 {
		s.makeRich()
		e.runWorkers(ctx, rec, token, s, rest, tick)
	}
}

// plainConnect reports whether d is only a TCP connect to an address of an
// allowed family.
func (e *egressProbe) plainConnect(d dest) bool {
	m := d.MethodsWith(e.p.ExtraMethods)
	if len(m) != 1 || m[0] != results.MethodTCP {
		return false
	}
	ip := net.ParseIP(d.Host)
	return ip != nil && e.familyAllowed(ip)
}

// runWorkers tries the destinations order of s, in that order, with at
// most Concurrency workers, calling tick after each.
func (e *egressProbe) runWorkers(ctx context.Context, rec *probes.Recorder, token string, s *sweep, order []int32, tick func()) {
	workers := min(e.p.Concurrency, len(order))
	var next atomic.Int64
	done := make(chan struct{})
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				k := int(next.Add(1) - 1)
				if k >= len(order) {
					return
				}
				i := int(order[k])
				d := e.tryDestination(ctx, rec, token, i, s.specs.at(i))
				s.rich[i] = &d
				tick()
			}
		}()
	}
	for range workers {
		<-done
	}
}

// interleave returns the visiting order of the destinations of l from
// from on: the first destination of every host, then the second of every
// host, and so on. A host that drops packets then holds workers a few at a
// time between answering hosts, instead of all at once at the end, and no
// host receives a burst.
func interleave(l *specList, from int) []int32 {
	n := l.len() - from
	rank := make(map[string]int32)
	ranks := make([]int32, n)
	order := make([]int32, n)
	for k := range n {
		h := l.at(from + k).Host
		ranks[k] = rank[h]
		rank[h]++
		order[k] = int32(k)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return int(ranks[a] - ranks[b]) })
	for k := range order {
		order[k] += int32(from)
	}
	return order
}

// runToken is the run's token: derived from the run id the auditor chose
// (probes.RunToken), so that its canaries know it without asking the
// host; random when the plan carries no run id (a bare probe run).
func runToken(ctx context.Context, t probes.Target) (string, error) {
	if id := probes.RunIDOf(ctx); id != "" {
		return probes.RunToken(id, t.Name), nil
	}
	return newToken()
}

func newToken() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reading randomness for the run token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// summarise counts destinations, controls and attempts by class.
func summarise(sw *sweep) results.EgressSummary {
	s := results.EgressSummary{Classes: map[string]int{}}
	for i := range sw.Len() {
		d := sw.Destination(i)
		switch {
		case d.RandomPort:
			s.RandomPorts++
			if answered(d) {
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
		if !d.Tried {
			s.NotTried++
		}
		for _, a := range d.Attempts {
			s.Attempts++
			s.Classes[a.Class]++
		}
	}
	return s
}

// answered reports whether any attempt got a packet back (refused counts:
// an RST or ICMP port unreachable proves packets flow).
func answered(d results.EgressDestination) bool {
	for _, a := range d.Attempts {
		if a.Reachable || a.Class == string(results.ClassRefused) {
			return true
		}
	}
	return false
}
