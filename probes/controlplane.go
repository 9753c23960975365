package probes

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"slices"
	"time"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/stats"
)

const (
	controlplaneName    = "controlplane"
	controlplaneVersion = "0.1.0"
)

// ControlPlaneParams configures the controlplane probe.
type ControlPlaneParams struct {
	URL    string `yaml:"url"`
	Method string `yaml:"method"` // default GET
	// Count is the number of requests, each on a fresh connection so that
	// every one has a connect and a TLS phase (default 10).
	Count    int           `yaml:"count"`
	Interval time.Duration `yaml:"interval"` // between requests (default 200ms)
	Timeout  time.Duration `yaml:"timeout"`  // one request (default 10s)
	// CAFile is a PEM file of roots to trust instead of the system's.
	CAFile string `yaml:"ca_file"`
	// Pins are base64 SHA-256 digests of acceptable leaf public keys
	// (SPKI); a different key is recorded as tls_intercepted.
	Pins       []string `yaml:"pins"`
	ServerName string   `yaml:"server_name"`
	// LocalAllowance is the server time still taken as local work
	// (default 10ms); more is read as time for a backend hop.
	LocalAllowance time.Duration `yaml:"local_allowance"`
	// MaxBody bounds how much of each response is read (default 1 MiB).
	MaxBody int64 `yaml:"max_body"`
}

type controlPlaneProbe struct {
	p     ControlPlaneParams
	roots *x509.CertPool
}

func newControlPlane(decode Decoder) (Probe, error) {
	p := ControlPlaneParams{Method: "GET", Count: 10, Interval: 200 * time.Millisecond, Timeout: 10 * time.Second,
		LocalAllowance: 10 * time.Millisecond, MaxBody: 1 << 20}
	if err := decode(&p); err != nil {
		return nil, err
	}
	u, err := url.Parse(p.URL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, fmt.Errorf("url: %q is not an http or https URL", p.URL)
	case p.Count < 1 || p.Count > 1000:
		return nil, fmt.Errorf("count: %d is not between 1 and 1000", p.Count)
	case p.Timeout <= 0 || p.Interval < 0 || p.LocalAllowance < 0 || p.MaxBody < 0:
		return nil, fmt.Errorf("timeout, interval, local_allowance and max_body must be positive")
	}
	for i, pin := range p.Pins {
		if b, err := base64.StdEncoding.DecodeString(pin); err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("pins[%d]: %q is not a base64 SHA-256 digest", i, pin)
		}
	}
	c := &controlPlaneProbe{p: p}
	if p.CAFile != "" {
		pem, err := os.ReadFile(p.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: reading %s: %w", p.CAFile, err)
		}
		c.roots = x509.NewCertPool()
		if !c.roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file: %s holds no PEM certificate", p.CAFile)
		}
	}
	return c, nil
}

func (c *controlPlaneProbe) Name() string    { return controlplaneName }
func (c *controlPlaneProbe) Version() string { return controlplaneVersion }

// Run sends Count requests, each on a new connection, and derives from the
// phase timings how far the front end can be and whether the server time
// fits a backend hop.
func (c *controlPlaneProbe) Run(ctx context.Context, t Target) (results.Evidence, error) {
	rec := Begin(c, t)
	d := results.ControlPlaneDetails{URL: c.p.URL}
	tick := time.NewTicker(max(c.p.Interval, time.Microsecond))
	defer tick.Stop()
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
	}
	derive(&d, c.p.LocalAllowance)
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
func derive(d *results.ControlPlaneDetails, allowance time.Duration) {
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
			rtt = min(rtt, kernelOr(r.KernelRTT.D(), r.Connect.D()))
		}
	}
	d.RTT = results.Duration(rtt)
	d.ServerTime = results.Duration(max(d.Phases["processing"].Min.D()-rtt, 0))
	d.MaxDistanceKm = round1(geo.MaxDistanceKm(rtt, geo.FibreKmPerMs))
	d.MaxDistanceStrictKm = round1(geo.MaxDistanceKm(rtt, geo.SpeedOfLightKmPerMs))
	d.Origin = OriginOf(rtt, d.ServerTime.D(), allowance)
}

// OriginOf judges where a control plane answers from: the front end is
// within fibre reach of rtt; server time beyond the local allowance fits a
// backend round trip of up to speed × time / 2. Timing cannot tell a slow
// local server from a remote backend, and the text says "fits", not "is".
func OriginOf(rtt, server, allowance time.Duration) results.Origin {
	o := results.Origin{
		FrontEndKm:     round1(geo.MaxDistanceKm(rtt, geo.FibreKmPerMs)),
		BackendTime:    results.Duration(server),
		LocalAllowance: results.Duration(allowance),
	}
	if server < allowance || server == 0 {
		o.Verdict = results.OriginLocal
		o.Text = fmt.Sprintf("local: front end within %.0f km; server time %s is within the %s local allowance",
			o.FrontEndKm, server.Round(10*time.Microsecond), allowance)
		return o
	}
	o.Verdict = results.OriginRemote
	o.RemoteHopKm = round1(geo.MaxDistanceKm(server, geo.FibreKmPerMs))
	o.Text = fmt.Sprintf("front end within %.0f km; backend time ≥ %s, which fits a remote hop of up to %.0f km",
		o.FrontEndKm, server.Round(10*time.Microsecond), o.RemoteHopKm)
	return o
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }
