package rtt

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/stats"
)

type rttProbe struct {
	p   probes.RTTParams
	lms []probes.Landmark
}

// New returns an rtt probe for validated parameters.
func New(p probes.RTTParams) (probes.Probe, error) {
	lms, err := p.Resolve()
	if err != nil {
		return nil, err
	}
	return &rttProbe{p: p, lms: lms}, nil
}

func (r *rttProbe) Name() string    { return probes.RTTName }
func (r *rttProbe) Version() string { return probes.RTTVersion }

// Run samples every landmark with every method, then bounds the host's
// position with the minimum round trips.
func (r *rttProbe) Run(ctx context.Context, t probes.Target) (results.Evidence, error) {
	rec := probes.Begin(r, t)
	d := results.RTTDetails{LandmarkSource: r.p.LandmarkSource}
	d.Overhead = results.Duration(r.overhead(ctx, rec))
	jobs := make([]results.LandmarkRTT, 0, len(r.lms)*(len(r.p.Methods)+1))
	var of []probes.Landmark // the landmark of each job
	for _, m := range append(slices.Clone(r.p.Methods), "tls") {
		for _, l := range r.lms {
			if m == "tls" && l.Spec.TLS == nil {
				continue // only landmarks that can prove who answers
			}
			if m != "tls" && !l.Spec.Answers(m) {
				continue // a method the landmark does not answer would only lose samples
			}
			jobs = append(jobs, results.LandmarkRTT{
				Name: l.Geo.Name, Lat: l.Geo.Lat, Lon: l.Geo.Lon, Country: l.Geo.Country, Method: m,
				Address: r.target(l, m),
			})
			of = append(of, l)
		}
	}
	sem := make(chan struct{}, r.p.Parallel)
	var wg sync.WaitGroup
	tick := probes.Counter(ctx, "samples", len(jobs)*r.p.Count)
	for i := range jobs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			r.series(ctx, rec, &jobs[i], of[i], tick)
		}()
	}
	wg.Wait()
	d.Landmarks = jobs
	d.Location = geolocationOf(&probes.LocationOf(d.Landmarks, geo.ModeFibre).Solution)
	if len(r.p.Calibration) > 0 {
		d.Location = geolocationOf(&calibratedLocation(d.Landmarks, bestlines(r.p.Calibration, r.lms)).Solution)
	}
	return rec.Finish(func(ev *results.Evidence) { ev.RTT = &d }), nil
}

// ticks calls tick n times: samples that end together (lost to a series
// that could not open, or to cancellation) still count one each.
func ticks(tick func(), n int) {
	for range n {
		tick()
	}
}

func (r *rttProbe) target(l probes.Landmark, method string) string {
	switch method {
	case "tcp":
		return net.JoinHostPort(l.IP.String(), strconv.Itoa(l.Spec.TCPPort))
	case "udp":
		return net.JoinHostPort(l.IP.String(), strconv.Itoa(l.Spec.UDPPort))
	case "tls":
		return net.JoinHostPort(l.IP.String(), strconv.Itoa(l.Spec.TLS.Port))
	}
	return l.IP.String()
}

// series takes Count paced samples of one landmark with one method,
// calling ended once as each sample ends (answered or lost).
func (r *rttProbe) series(ctx context.Context, rec *probes.Recorder, out *results.LandmarkRTT, l probes.Landmark, ended func()) {
	began := time.Now()
	s, err := r.sampler(out, l)
	if err != nil {
		out.Lost = r.p.Count
		ticks(ended, r.p.Count)
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
				ticks(ended, r.p.Count-i)
				last = ctx.Err()
				break samples
			case <-tick.C:
			}
		}
		rtt, err := s.Sample(ctx, i)
		ended()
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
	if ts, ok := s.(*tlsSampler); ok {
		out.Authenticated, out.Key = len(samples) > 0, ts.key
	}
	out.Summary = stats.Summarize(samples)
	note := fmt.Sprintf("%s %s: %d/%d answered", out.Method, out.Name, len(samples), r.p.Count)
	out.Failure = rec.Observe(out.Method, out.Address, began, last, note)
}

// sampler opens the sampler of one series: the landmark's TLS check for
// method tls, the plain method otherwise.
func (r *rttProbe) sampler(out *results.LandmarkRTT, l probes.Landmark) (sampler, error) {
	if out.Method != "tls" {
		return newSampler(out.Method, out.Address, r.p.SampleTimeout)
	}
	roots, err := l.Spec.TLS.Roots()
	if err != nil {
		return nil, err
	}
	auth := TLSAuth{ServerName: l.Spec.TLS.ServerName, Pins: l.Spec.TLS.Pins, Roots: roots}
	ap := netip.AddrPortFrom(l.IP, uint16(l.Spec.TLS.Port))
	return &tlsSampler{to: ap, auth: auth, timeout: r.p.SampleTimeout}, nil
}
