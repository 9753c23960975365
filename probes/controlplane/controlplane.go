package controlplane

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/stats"
)

type controlPlaneProbe struct {
	p     probes.ControlPlaneParams
	roots *x509.CertPool
}

// New returns a controlplane probe for validated parameters. It reads the
// ca_file, on the host that runs it.
func New(p probes.ControlPlaneParams) (probes.Probe, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	roots, err := p.Roots()
	if err != nil {
		return nil, err
	}
	return &controlPlaneProbe{p: p, roots: roots}, nil
}

func (c *controlPlaneProbe) Name() string    { return probes.ControlPlaneName }
func (c *controlPlaneProbe) Version() string { return probes.ControlPlaneVersion }

// Run sends Count requests, each on a new connection, and derives from the
// phase timings how far the front end can be and whether the server time
// fits a backend hop.
func (c *controlPlaneProbe) Run(ctx context.Context, t probes.Target) (results.Evidence, error) {
	rec := probes.Begin(c, t)
	d := results.ControlPlaneDetails{URL: c.p.URL}
	tick := time.NewTicker(max(c.p.Interval, time.Microsecond))
	defer tick.Stop()
	done := probes.Counter(ctx, "requests", c.p.Count)
requests:
	for i := 0; i < c.p.Count; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				break requests
			case <-tick.C:
			}
		}
		pt, leaf := c.request(ctx, rec)
		if leaf != nil && d.CertSubject == "" {
			d.CertSubject, d.CertIssuer = leaf.Subject.String(), leaf.Issuer.String()
		}
		d.Requests = append(d.Requests, pt)
		done()
	}
	derive(&d, c.p.LocalAllowance, c.p.BackendRoundTrips)
	return rec.Finish(func(ev *results.Evidence) { ev.ControlPlane = &d }), nil
}

// verifyPin checks the leaf key against the pins (after normal
// verification, which the roots govern).
func (c *controlPlaneProbe) verifyPin(cs tls.ConnectionState) error {
	if len(c.p.Pins) == 0 || len(cs.PeerCertificates) == 0 {
		return nil
	}
	sum := sha256.Sum256(cs.PeerCertificates[0].RawSubjectPublicKeyInfo)
	if slices.Contains(c.p.Pins, base64.StdEncoding.EncodeToString(sum[:])) {
		return nil
	}
	return &pinError{got: base64.StdEncoding.EncodeToString(sum[:])}
}

type pinError struct{ got string }

func (e *pinError) Error() string { return "leaf key " + e.got + " matches no pin" }

// derive fills the summaries, RTT, server time, distance bounds and origin.
func derive(d *results.ControlPlaneDetails, allowance time.Duration, roundTrips int) {
	phases := map[string][]time.Duration{}
	for _, r := range d.Requests {
		if r.Failure != nil {
			continue
		}
		for name, v := range map[string]results.Duration{"resolve": r.Resolve, "connect": r.Connect, "tls": r.TLS,
			"processing": r.Processing, "transfer": r.Transfer, "total": r.Total} {
			phases[name] = append(phases[name], v.D())
		}
	}
	d.Origin = results.Origin{Verdict: results.OriginUnknown, LocalAllowance: results.Duration(allowance)}
	if len(phases["total"]) == 0 {
		d.Origin.Text = "no request succeeded"
		return
	}
	d.Phases = map[string]results.Summary{}
	for name, v := range phases {
		d.Phases[name] = stats.Summarize(v)
	}
	rtt := d.Phases["connect"].Min.D()
	for _, r := range d.Requests {
		if r.Failure == nil {
			rtt = min(rtt, probes.KernelOr(r.KernelRTT.D(), r.Connect.D()))
		}
	}
	d.RTT = results.Duration(rtt)
	d.ServerTime = results.Duration(max(d.Phases["processing"].Min.D()-rtt, 0))
	d.MaxDistanceKm = round1(geo.MaxDistanceKm(rtt, geo.FibreKmPerMs))
	d.MaxDistanceStrictKm = round1(geo.MaxDistanceKm(rtt, geo.SpeedOfLightKmPerMs))
	d.Origin = OriginOf(rtt, d.ServerTime.D(), allowance, roundTrips)
}

// OriginOf judges where a control plane answers from: the front end is
// within fibre reach of rtt; server time beyond the local allowance fits a
// backend exchange of roundTrips round trips, each reaching up to
// speed × (server time / roundTrips) / 2. Timing gives only these upper
// bounds: it cannot tell a slow local server from a remote backend, and
// the text says "fits" and "≤", not "is".
func OriginOf(rtt, server, allowance time.Duration, roundTrips int) results.Origin {
	roundTrips = max(roundTrips, 1)
	o := results.Origin{
		FrontEndKm:        round1(geo.MaxDistanceKm(rtt, geo.FibreKmPerMs)),
		BackendTime:       results.Duration(server),
		LocalAllowance:    results.Duration(allowance),
		BackendRoundTrips: roundTrips,
	}
	if server < allowance || server == 0 {
		o.Verdict = results.OriginLocal
		o.Text = fmt.Sprintf("local: front end ≤ %.0f km; server time %s is within the %s local allowance",
			o.FrontEndKm, server.Round(10*time.Microsecond), allowance)
		return o
	}
	o.Verdict = results.OriginRemote
	o.RemoteHopKm = round1(geo.MaxDistanceKm(server/time.Duration(roundTrips), geo.FibreKmPerMs))
	trips := "1 round trip"
	if roundTrips > 1 {
		trips = fmt.Sprintf("%d round trips", roundTrips)
	}
	o.Text = fmt.Sprintf("front end ≤ %.0f km; server time %s is beyond the %s local allowance: it fits a backend exchange of %s to ≤ %.0f km, or a slow server near by",
		o.FrontEndKm, server.Round(10*time.Microsecond), allowance, trips, o.RemoteHopKm)
	return o
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }
