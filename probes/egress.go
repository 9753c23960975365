package probes

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/sovbench/sovbench/results"
)

const (
	egressName    = "egress"
	egressVersion = "0.1.0"
)

// Egress defaults: bounded concurrency, a global rate of new attempts, a
// deadline on every attempt.
const (
	DefaultEgressConcurrency = 256
	DefaultEgressRate        = 2000 // attempts started per second, over all workers
	DefaultAttemptTimeout    = 2 * time.Second
	DefaultRandomPorts       = 3
)

// EgressParams configures the egress probe.
type EgressParams struct {
	// Destinations are declared inline; Lists names destination list files
	// (YAML, see LoadDestinationList), read on the host that runs the probe.
	Destinations []DestinationSpec `yaml:"destinations"`
	Lists        []string          `yaml:"lists"`
	// AllowRealWorld must be true to load a list marked real_world: those
	// name public endpoints and must never be dialled from a test machine.
	AllowRealWorld bool `yaml:"allow_real_world"`
	// Families limits the address families dialled: ip4, ip6 (default both).
	Families []string `yaml:"families"`
	// ExtraMethods are tried on every destination besides its protocol's
	// methods (for example icmp).
	ExtraMethods []string `yaml:"extra_methods"`
	// Concurrency bounds attempts in flight; Rate bounds attempts started
	// per second over the whole probe.
	Concurrency int     `yaml:"concurrency"`
	Rate        float64 `yaml:"rate"`
	// AttemptTimeout is the deadline of each attempt.
	AttemptTimeout time.Duration `yaml:"attempt_timeout"`
	// Proxy is the HTTP proxy URL for the proxied methods; empty means the
	// one the environment names (HTTPS_PROXY, HTTP_PROXY, lower case too).
	Proxy string `yaml:"proxy"`
	// TLS is what a genuine certificate looks like; anything else is
	// tls_intercepted. Without it the system roots decide.
	TLS TLSExpect `yaml:"tls"`
	// RandomPorts is how many random TCP ports are tried on each reachable
	// positive control (0: the default, negative: none).
	RandomPorts int `yaml:"random_ports"`
	// DNSQueryName is the name asked of destinations probed with the dns
	// method (default "example.com.").
	DNSQueryName string `yaml:"dns_query_name"`
	// HTTPPath is the path of HTTP(S) GETs (default "/").
	HTTPPath string `yaml:"http_path"`
	// DNSLeak configures the DNS-leak checks through the host's resolver.
	DNSLeak DNSLeakSpec `yaml:"dns_leak"`
}

// TLSExpect says which certificates are genuine.
type TLSExpect struct {
	CA    string   `yaml:"ca"`     // path of a PEM file of CA certificates
	CAPEM string   `yaml:"ca_pem"` // PEM CA certificates inline
	Pins  []string `yaml:"pins"`   // "sha256/<base64 SPKI digest>" of any certificate in the chain
}

type egressProbe struct {
	p       EgressParams
	dests   []DestinationSpec
	tls     *tlsExpectation
	proxy   string
	noPing  atomic.Bool // unprivileged ping sockets are refused here: use raw sockets
	limiter *rate.Limiter
}

func newEgress(decode Decoder) (Probe, error) {
	p := EgressParams{
		Concurrency: DefaultEgressConcurrency, Rate: DefaultEgressRate,
		AttemptTimeout: DefaultAttemptTimeout, DNSQueryName: "example.com.", HTTPPath: "/",
	}
	if err := decode(&p); err != nil {
		return nil, err
	}
	if p.RandomPorts == 0 {
		p.RandomPorts = DefaultRandomPorts
	}
	if p.Concurrency <= 0 || p.Rate <= 0 || p.AttemptTimeout <= 0 {
		return nil, fmt.Errorf("concurrency, rate and attempt_timeout must be positive")
	}
	if err := checkFamilies(p.Families); err != nil {
		return nil, err
	}
	if err := checkMethods("extra_methods", p.ExtraMethods); err != nil {
		return nil, err
	}
	dests, err := collectDestinations(p)
	if err != nil {
		return nil, err
	}
	tx, err := newTLSExpectation(p.TLS)
	if err != nil {
		return nil, err
	}
	if err := p.DNSLeak.check(); err != nil {
		return nil, err
	}
	proxy := p.Proxy
	if proxy == "" {
		proxy = proxyFromEnv()
	}
	return &egressProbe{p: p, dests: dests, tls: tx, proxy: proxy}, nil
}

func proxyFromEnv() string {
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return ""
}

func (e *egressProbe) Name() string    { return egressName }
func (e *egressProbe) Version() string { return egressVersion }

// Run tries every destination with every method its protocol calls for,
// then random ports on reachable controls, then the DNS-leak checks. What
// the network did is recorded; only a failure to get randomness is an error.
func (e *egressProbe) Run(ctx context.Context, t Target) (results.Evidence, error) {
	rec := Begin(e, t)
	token, err := newToken()
	if err != nil {
		return results.Evidence{}, err
	}
	e.limiter = rate.NewLimiter(rate.Limit(e.p.Rate), burstFor(e.p.Rate))
	d := results.EgressDetails{RunToken: token, Proxy: e.proxy}
	d.Destinations = make([]results.EgressDestination, len(e.dests))
	e.runAll(ctx, rec, token, e.dests, d.Destinations)
	if extra := e.randomPortSpecs(d.Destinations); len(extra) > 0 {
		out := make([]results.EgressDestination, len(extra))
		e.runAll(ctx, rec, token, extra, out)
		d.Destinations = append(d.Destinations, out...)
	}
	d.DNS = e.dnsLeakChecks(ctx, rec, token)
	d.Summary = summarise(d.Destinations)
	return rec.Finish(func(ev *results.Evidence) {
		ev.Egress = &d
		if stopped(ctx) {
			err := ctx.Err()
			if err == nil {
				err = context.DeadlineExceeded
			}
			ev.Failure = Classify("run", err)
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

// runAll tries specs[i] into out[i] with at most Concurrency workers. The
// output order is the input order whatever the completion order; the
// visiting order interleaves hosts (see interleave).
func (e *egressProbe) runAll(ctx context.Context, rec *Recorder, token string, specs []DestinationSpec, out []results.EgressDestination) {
	workers := min(e.p.Concurrency, len(specs))
	order := interleave(specs)
	var next atomic.Int64
	done := make(chan struct{})
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				k := int(next.Add(1) - 1)
				if k >= len(specs) {
					return
				}
				i := int(order[k])
				out[i] = e.tryDestination(ctx, rec, token, i, specs[i])
			}
		}()
	}
	for range workers {
		<-done
	}
}

// interleave returns the visiting order: the first destination of every
// host, then the second of every host, and so on. A host that drops packets
// then holds workers a few at a time between answering hosts, instead of
// all at once at the end, and no host receives a burst.
func interleave(specs []DestinationSpec) []int32 {
	rank := make(map[string]int32)
	ranks := make([]int32, len(specs))
	order := make([]int32, len(specs))
	for i, s := range specs {
		ranks[i] = rank[s.Host]
		rank[s.Host]++
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return int(ranks[a] - ranks[b]) })
	return order
}

func newToken() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reading randomness for the run token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// summarise counts destinations, controls and attempts by class.
func summarise(ds []results.EgressDestination) results.EgressSummary {
	s := results.EgressSummary{Classes: map[string]int{}}
	for _, d := range ds {
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
