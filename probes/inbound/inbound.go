package inbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/sovbench/sovbench/atlas"
	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/stats"
)

// Method is the method name of an inbound series.
const Method = "atlas-ping"

// Probe is the inbound probe. Without an Atlas client (WithAtlas) it cannot
// run.
type Probe struct {
	p      probes.InboundParams
	client *atlas.Client
}

// New returns an inbound probe for validated parameters.
func New(p probes.InboundParams) (probes.Probe, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Probe{p: p}, nil
}

// WithAtlas returns a copy of the probe that measures through c.
func (pr *Probe) WithAtlas(c *atlas.Client) probes.Probe {
	cp := *pr
	cp.client = c
	return &cp
}

// Name is "inbound".
func (pr *Probe) Name() string { return probes.InboundName }

// Version is the inbound kind's version.
func (pr *Probe) Version() string { return probes.InboundVersion }

// ErrNoAtlas is returned by Run without an Atlas client: the runner was
// given no API key.
var ErrNoAtlas = errors.New("no RIPE Atlas access: give the runner an API key (--atlas-key-file FILE or RIPE_ATLAS_KEY)")

// Run creates the measurement, waits for it within ctx (keeping time to
// read the results) and records one series per vantage point.
func (pr *Probe) Run(ctx context.Context, t probes.Target) (results.Evidence, error) {
	if pr.client == nil {
		return results.Evidence{}, ErrNoAtlas
	}
	target, err := pr.target(t)
	if err != nil {
		return results.Evidence{}, err
	}
	rec := probes.Begin(pr, t)
	d := &results.InboundDetails{Service: pr.client.API(), Target: target.String(), VantageSource: pr.p.VantageSource}
	ids := make([]int, len(pr.p.Vantages))
	for i, v := range pr.p.Vantages {
		ids[i] = v.ProbeID
	}
	began := time.Now()
	id, err := pr.client.CreatePing(ctx, atlas.PingRequest{Target: target, ProbeIDs: ids, Packets: pr.p.Packets,
		Description: fmt.Sprintf("sovbench inbound: %s", t.Name)})
	rec.Observe("create", pr.client.API(), began, err, fmt.Sprintf("one-off ping from %d Atlas probes to %s", len(ids), target))
	if err != nil {
		return rec.Finish(func(ev *results.Evidence) { ev.Inbound, ev.Failure = d, probes.Classify("create", err) }), nil
	}
	d.MeasurementID = id
	rs, err := pr.await(ctx, rec, d)
	if err != nil {
		return rec.Finish(func(ev *results.Evidence) { ev.Inbound, ev.Failure = d, probes.Classify("results", err) }), nil
	}
	d.Vantages = pr.series(rs, target, rec)
	d.Location = probes.GeolocationOf(&probes.LocationOf(d.Vantages, geo.ModeFibre).Solution)
	return rec.Finish(func(ev *results.Evidence) { ev.Inbound = d }), nil
}

// target is the address to ping: the parameter, else the target's own.
func (pr *Probe) target(t probes.Target) (netip.Addr, error) {
	a := pr.p.Address
	if a == "" {
		a = t.Address
		if h, _, err := net.SplitHostPort(a); err == nil {
			a = h
		}
	}
	ip, err := netip.ParseAddr(a)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("no public address of %s to ping: set the inbound probe's address", t.Name)
	}
	return ip.Unmap(), nil
}

// await polls until the measurement stops or the time left is only enough
// to read the results, then reads them: a running measurement has results
// from the probes that already reported.
func (pr *Probe) await(ctx context.Context, rec *probes.Recorder, d *results.InboundDetails) ([]atlas.PingResult, error) {
	wctx := ctx
	if dl, ok := ctx.Deadline(); ok {
		reserve := min(10*time.Second, time.Until(dl)/5)
		var cancel context.CancelFunc
		wctx, cancel = context.WithDeadline(ctx, dl.Add(-reserve))
		defer cancel()
	}
	began := time.Now()
	m, err := pr.client.Wait(wctx, d.MeasurementID, pr.p.PollInterval)
	d.Status = m.Status.Name
	if d.Status == "" {
		d.Status = "unknown" // no read of its state completed
	}
	note := fmt.Sprintf("measurement %d: %s", d.MeasurementID, m.Status.Name)
	if err != nil && wctx.Err() != nil && ctx.Err() == nil {
		note += " when the probe's time ran out: results so far"
		err = nil
	}
	rec.Observe("wait", pr.client.API(), began, err, note)
	if err != nil {
		return nil, err
	}
	if m.Status.Done() && !m.Status.Succeeded() {
		return nil, fmt.Errorf("measurement %d ended %s", d.MeasurementID, m.Status.Name)
	}
	began = time.Now()
	rs, err := pr.client.Results(ctx, d.MeasurementID)
	rec.Observe("results", pr.client.API(), began, err, fmt.Sprintf("%d results", len(rs)))
	return rs, err
}

// series turns the results into one series per vantage point asked; a
// vantage point without a result, or whose result is about another target,
// records a failure and no samples.
func (pr *Probe) series(rs []atlas.PingResult, target netip.Addr, rec *probes.Recorder) []results.LandmarkRTT {
	by := map[int]atlas.PingResult{}
	for _, r := range rs {
		by[r.ProbeID] = r
	}
	out := make([]results.LandmarkRTT, 0, len(pr.p.Vantages))
	for _, v := range pr.p.Vantages {
		s := results.LandmarkRTT{Name: v.Name, Lat: v.Lat, Lon: v.Lon, Country: v.Country, Method: Method, Lost: pr.p.Packets}
		r, ok := by[v.ProbeID]
		switch {
		case !ok:
			s.Failure = &results.Failure{Class: results.ClassTimeout, Operation: Method, Message: fmt.Sprintf("Atlas probe %d gave no result", v.ProbeID)}
		case r.DstAddr != "" && r.DstAddr != target.String():
			s.Failure = &results.Failure{Class: results.ClassBogus, Operation: Method, Message: fmt.Sprintf("Atlas probe %d pinged %s, not %s", v.ProbeID, r.DstAddr, target)}
		default:
			rtts := r.RTTs()
			s.Address, s.Lost = r.From, max(r.Sent-len(rtts), 0)
			for _, x := range rtts {
				s.Samples = append(s.Samples, results.Duration(x))
			}
			s.Summary = stats.Summarize(rtts)
			if len(rtts) == 0 {
				s.Failure = &results.Failure{Class: results.ClassTimeout, Operation: Method, Message: fmt.Sprintf("no reply to Atlas probe %d's %d pings", v.ProbeID, r.Sent)}
			}
		}
		out = append(out, s)
	}
	return out
}
