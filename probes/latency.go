package probes

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/stats"
)

const (
	rttName    = "rtt"
	rttVersion = "0.1.0"
)

// RTTParams configures the rtt probe.
type RTTParams struct {
	// Methods to measure each landmark with: tcp (connect), udp (echo),
	// icmp (echo). Default [tcp].
	Methods []string `yaml:"methods"`
	// Count is the number of samples per landmark and method (default 10).
	Count int `yaml:"count"`
	// Interval paces the samples to one landmark (default 100ms).
	Interval time.Duration `yaml:"interval"`
	// Timeout bounds one sample (default 2s).
	Timeout time.Duration `yaml:"timeout"`
	// Parallel is how many landmarks are measured at once (default 8).
	Parallel  int            `yaml:"parallel"`
	Landmarks []LandmarkSpec `yaml:"landmarks"`
	// Calibration, when given, are landmark-to-landmark round trips: the
	// evidence's region then uses CBG bestlines (claims keep the fibre bound).
	Calibration []PeerRTT `yaml:"calibration"`
}

// LandmarkSpec names one landmark. Coordinates come from lat/lon or, when
// both are absent, from the landmark catalogue by name ("Paris" or
// "Paris,FR").
type LandmarkSpec struct {
	Name    string   `yaml:"name"`
	Address string   `yaml:"address"` // an IP address (no name lookups: they would add to the RTT)
	Lat     *float64 `yaml:"lat"`
	Lon     *float64 `yaml:"lon"`
	Country string   `yaml:"country"`
	TCPPort int      `yaml:"tcp_port"` // default 7
	UDPPort int      `yaml:"udp_port"` // default 7
}

type rttProbe struct {
	p   RTTParams
	lms []resolvedLandmark
}

type resolvedLandmark struct {
	spec LandmarkSpec
	geo  geo.Landmark
	ip   netip.Addr
}

func newRTT(decode Decoder) (Probe, error) {
	p := RTTParams{Methods: []string{"tcp"}, Count: 10, Interval: 100 * time.Millisecond, Timeout: 2 * time.Second, Parallel: 8}
	if err := decode(&p); err != nil {
		return nil, err
	}
	lms, err := p.check()
	if err != nil {
		return nil, err
	}
	return &rttProbe{p: p, lms: lms}, nil
}

func (p RTTParams) check() ([]resolvedLandmark, error) {
	switch {
	case len(p.Landmarks) == 0:
		return nil, fmt.Errorf("landmarks: needs at least one landmark")
	case p.Count < 1 || p.Count > 10000:
		return nil, fmt.Errorf("count: %d is not between 1 and 10000", p.Count)
	case p.Interval < 0 || p.Timeout <= 0 || p.Parallel < 1:
		return nil, fmt.Errorf("interval, timeout and parallel must be positive")
	}
	for i, m := range p.Methods {
		if m != "tcp" && m != "udp" && m != "icmp" {
			return nil, fmt.Errorf("methods[%d]: unknown method %q (known: tcp, udp, icmp)", i, m)
		}
	}
	out := make([]resolvedLandmark, 0, len(p.Landmarks))
	for i, s := range p.Landmarks {
		r, err := s.resolve()
		if err != nil {
			return nil, fmt.Errorf("landmarks[%d]: %w", i, err)
		}
		out = append(out, r)
	}
	if err := checkCalibration(p.Calibration, out); err != nil {
		return nil, err
	}
	return out, nil
}

func (s LandmarkSpec) resolve() (resolvedLandmark, error) {
	ip, err := netip.ParseAddr(s.Address)
	if err != nil {
		return resolvedLandmark{}, fmt.Errorf("address: %q is not an IP address", s.Address)
	}
	if s.TCPPort == 0 {
		s.TCPPort = 7
	}
	if s.UDPPort == 0 {
		s.UDPPort = 7
	}
	g := geo.Landmark{Name: s.Name, Country: s.Country}
	switch {
	case s.Lat != nil && s.Lon != nil:
		g.Lat, g.Lon = *s.Lat, *s.Lon
		if g.Lat < -90 || g.Lat > 90 || g.Lon < -180 || g.Lon > 180 {
			return resolvedLandmark{}, fmt.Errorf("lat, lon: %v, %v is not a position", g.Lat, g.Lon)
		}
	case s.Lat != nil || s.Lon != nil:
		return resolvedLandmark{}, fmt.Errorf("lat, lon: give both or neither")
	default:
		c, ok := geo.LookupLandmark(s.Name)
		if !ok {
			return resolvedLandmark{}, fmt.Errorf("name: %q is not in the landmark catalogue; give lat and lon", s.Name)
		}
		g.Lat, g.Lon = c.Lat, c.Lon
		if g.Country == "" {
			g.Country = c.Country
		}
	}
	if s.Name == "" {
		return resolvedLandmark{}, fmt.Errorf("name: missing")
	}
	return resolvedLandmark{spec: s, geo: g, ip: ip}, nil
}

func (r *rttProbe) Name() string    { return rttName }
func (r *rttProbe) Version() string { return rttVersion }

// Run samples every landmark with every method, then bounds the host's
// position with the minimum round trips.
func (r *rttProbe) Run(ctx context.Context, t Target) (results.Evidence, error) {
	rec := Begin(r, t)
	var d results.LatencyDetails
	d.Overhead = results.Duration(r.overhead(ctx, rec))
	jobs := make([]results.LandmarkRTT, 0, len(r.lms)*len(r.p.Methods))
	for _, m := range r.p.Methods {
		for _, l := range r.lms {
			jobs = append(jobs, results.LandmarkRTT{
				Name: l.geo.Name, Lat: l.geo.Lat, Lon: l.geo.Lon, Country: l.geo.Country, Method: m,
				Address: r.target(l, m),
			})
		}
	}
	sem := make(chan struct{}, r.p.Parallel)
	var wg sync.WaitGroup
	for i := range jobs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			r.series(ctx, rec, &jobs[i])
		}()
	}
	wg.Wait()
	d.Landmarks = jobs
	d.Location = geolocationOf(&LocationOf(d.Landmarks, geo.ModeFibre).Solution)
	if len(r.p.Calibration) > 0 {
		d.Location = geolocationOf(&calibratedLocation(d.Landmarks, bestlines(r.p.Calibration, r.lms)).Solution)
	}
	return rec.Finish(func(ev *results.Evidence) { ev.Latency = &d }), nil
}

// LocationOf solves the feasible region from the best minimum RTT of each
// landmark (over methods), in the given mode.
func LocationOf(lms []results.LandmarkRTT, mode geo.Mode) *geo.Region {
	best := map[string]int{}
	var ms []geo.Measurement
	for _, l := range lms {
		if l.Summary.N == 0 {
			continue
		}
		m := geo.Measurement{Landmark: geo.Landmark{Name: l.Name, Country: l.Country, Lat: l.Lat, Lon: l.Lon}, RTT: l.Summary.Min.D()}
		if i, ok := best[l.Name]; ok {
			if m.RTT < ms[i].RTT {
				ms[i] = m
			}
			continue
		}
		best[l.Name] = len(ms)
		ms = append(ms, m)
	}
	return geo.Solve(ms, geo.Options{Mode: mode})
}

func (r *rttProbe) target(l resolvedLandmark, method string) string {
	switch method {
	case "tcp":
		return net.JoinHostPort(l.ip.String(), strconv.Itoa(l.spec.TCPPort))
	case "udp":
		return net.JoinHostPort(l.ip.String(), strconv.Itoa(l.spec.UDPPort))
	}
	return l.ip.String()
}

// series takes Count paced samples of one landmark with one method.
func (r *rttProbe) series(ctx context.Context, rec *Recorder, out *results.LandmarkRTT) {
	began := time.Now()
	s, err := newSampler(out.Method, out.Address, r.p.Timeout)
	if err != nil {
		out.Lost = r.p.Count
		out.Failure = rec.Observe("open", out.Address, began, err, out.Method+" "+out.Name)
		return
	}
	defer s.Close()
	var samples []time.Duration
	tick := time.NewTicker(max(r.p.Interval, time.Microsecond))
	defer tick.Stop()
	var last error
samples:
	for i := 0; i < r.p.Count; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				out.Lost += r.p.Count - i
				last = ctx.Err()
				break samples
			case <-tick.C:
			}
		}
		rtt, err := s.Sample(ctx, i)
		if err != nil {
			out.Lost++
			last = err
			continue
		}
		samples = append(samples, rtt)
	}
	for _, v := range samples {
		out.Samples = append(out.Samples, results.Duration(v))
	}
	out.Summary = stats.Summarize(samples)
	note := fmt.Sprintf("%s %s: %d/%d answered", out.Method, out.Name, len(samples), r.p.Count)
	out.Failure = rec.Observe(out.Method, out.Address, began, last, note)
}
