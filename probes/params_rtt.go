package probes

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/sovbench/sovbench/geo"
)

// The rtt kind's name and version.
const (
	RTTName    = "rtt"
	RTTVersion = "0.1.0"
)

// RTTParams configures the rtt probe.
type RTTParams struct {
	// Methods to measure each landmark with: tcp (connect), udp (echo),
	// icmp (echo). Default [tcp].
	Methods []string `yaml:"methods" json:"methods"`
	// Count is the number of samples per landmark and method (default 10).
	Count int `yaml:"count" json:"count"`
	// Interval paces the samples to one landmark (default 100ms).
	Interval time.Duration `yaml:"interval" json:"interval"`
	// SampleTimeout bounds one sample (default 2s); the step's timeout
	// bounds the whole probe.
	SampleTimeout time.Duration `yaml:"sample_timeout" json:"sample_timeout"`
	// Parallel is how many landmarks are measured at once (default 8).
	Parallel  int            `yaml:"parallel" json:"parallel"`
	Landmarks []LandmarkSpec `yaml:"landmarks" json:"landmarks"`
	// Calibration, when given, are landmark-to-landmark round trips: the
	// evidence's region then uses CBG bestlines (claims keep the fibre bound).
	Calibration []PeerRTT `yaml:"calibration" json:"calibration,omitempty"`
}

// LandmarkSpec names one landmark. Coordinates come from lat/lon or, when
// both are absent, from the landmark catalogue by name ("Paris" or
// "Paris,FR").
type LandmarkSpec struct {
	Name    string   `yaml:"name" json:"name"`
	Address string   `yaml:"address" json:"address"` // an IP address (no name lookups: they would add to the RTT)
	Lat     *float64 `yaml:"lat" json:"lat,omitempty"`
	Lon     *float64 `yaml:"lon" json:"lon,omitempty"`
	Country string   `yaml:"country" json:"country,omitempty"`
	TCPPort int      `yaml:"tcp_port" json:"tcp_port"` // default 7
	UDPPort int      `yaml:"udp_port" json:"udp_port"` // default 7
}

// PeerRTT is one landmark-to-landmark round trip, measured by the landmarks
// themselves (CBG calibration data).
type PeerRTT struct {
	From string        `yaml:"from" json:"from"`
	To   string        `yaml:"to" json:"to"`
	RTT  time.Duration `yaml:"rtt" json:"rtt"`
}

// Landmark is a LandmarkSpec resolved: its position and address.
type Landmark struct {
	Spec LandmarkSpec
	Geo  geo.Landmark
	IP   netip.Addr
}

// DefaultRTTParams returns the parameters a suite gets when it sets none
// (it must still name landmarks).
func DefaultRTTParams() RTTParams {
	return RTTParams{Methods: []string{"tcp"}, Count: 10, Interval: 100 * time.Millisecond, SampleTimeout: 2 * time.Second, Parallel: 8}
}

// Kind is "rtt".
func (p *RTTParams) Kind() string { return RTTName }

// Validate checks the parameters and sets each landmark's default ports.
func (p *RTTParams) Validate() error {
	_, err := p.Resolve()
	return err
}

// Resolve validates the parameters (as Validate) and returns the
// landmarks with their positions and addresses.
func (p *RTTParams) Resolve() ([]Landmark, error) {
	switch {
	case len(p.Landmarks) == 0:
		return nil, fmt.Errorf("landmarks: needs at least one landmark")
	case p.Count < 1 || p.Count > 10000:
		return nil, fmt.Errorf("count: %d is not between 1 and 10000", p.Count)
	case p.Interval < 0 || p.SampleTimeout <= 0 || p.Parallel < 1:
		return nil, fmt.Errorf("interval, sample_timeout and parallel must be positive")
	}
	for i, m := range p.Methods {
		if m != "tcp" && m != "udp" && m != "icmp" {
			return nil, fmt.Errorf("methods[%d]: unknown method %q (known: tcp, udp, icmp)", i, m)
		}
	}
	out := make([]Landmark, 0, len(p.Landmarks))
	for i := range p.Landmarks {
		r, err := p.Landmarks[i].resolve()
		if err != nil {
			return nil, fmt.Errorf("landmarks[%d]: %w", i, err)
		}
		p.Landmarks[i] = r.Spec
		out = append(out, r)
	}
	if err := checkCalibration(p.Calibration, out); err != nil {
		return nil, err
	}
	return out, nil
}

func (s LandmarkSpec) resolve() (Landmark, error) {
	ip, err := netip.ParseAddr(s.Address)
	if err != nil {
		return Landmark{}, fmt.Errorf("address: %q is not an IP address", s.Address)
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
			return Landmark{}, fmt.Errorf("lat, lon: %v, %v is not a position", g.Lat, g.Lon)
		}
	case s.Lat != nil || s.Lon != nil:
		return Landmark{}, fmt.Errorf("lat, lon: give both or neither")
	default:
		c, ok := geo.LookupLandmark(s.Name)
		if !ok {
			return Landmark{}, fmt.Errorf("name: %q is not in the landmark catalogue; give lat and lon", s.Name)
		}
		g.Lat, g.Lon = c.Lat, c.Lon
		if g.Country == "" {
			g.Country = c.Country
		}
	}
	if s.Name == "" {
		return Landmark{}, fmt.Errorf("name: missing")
	}
	return Landmark{Spec: s, Geo: g, IP: ip}, nil
}

// checkCalibration validates calibration pairs against the landmarks.
func checkCalibration(pairs []PeerRTT, lms []Landmark) error {
	known := map[string]bool{}
	for _, l := range lms {
		known[l.Geo.Name] = true
	}
	for i, p := range pairs {
		switch {
		case !known[p.From] || !known[p.To]:
			return fmt.Errorf("calibration[%d]: %s and %s must both be landmarks of the probe", i, p.From, p.To)
		case p.From == p.To || p.RTT <= 0:
			return fmt.Errorf("calibration[%d]: needs two different landmarks and a positive rtt", i)
		}
	}
	return nil
}
