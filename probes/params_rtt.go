package probes

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/landmarks"
)

// The rtt kind's name and version.
const (
	RTTName    = "rtt"
	RTTVersion = "0.2.0"
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
	// LandmarkSet names more landmarks by a landmark file and selection
	// rules (RIPE Atlas anchors from "sovbench landmarks fetch"). It is
	// read when the suite is validated, on the auditor's machine, and
	// turned into Landmarks: the plan carries those, never the file.
	LandmarkSet *landmarks.Selection `yaml:"landmark_set" json:"-"`
	// LandmarkSource says which file (and its SHA-256) and rules the
	// set's landmarks came from; the evidence records it.
	LandmarkSource string `yaml:"-" json:"landmark_source,omitempty"`

	lim limits.Limits // bounds the landmark file (Bound)
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
	// Methods are the methods this landmark answers (default: all): the
	// probe tries only these of its methods on it.
	Methods []string `yaml:"methods" json:"methods,omitempty"`
	// TLS, when set, says the landmark can prove who answers: the probe
	// then also times authenticated round trips to it (method "tls", a
	// TLS 1.3 handshake checked against the pins or the CA), the only
	// samples a location claim can pass on.
	TLS *LandmarkTLS `yaml:"tls" json:"tls,omitempty"`
}

// LandmarkTLS is how a landmark authenticates its round trips: a TLS 1.3
// server on Port whose leaf key matches one of Pins, or whose chain for
// ServerName leads to CAPEM. Both are the suite's: the audited host's own
// trust store is never used.
type LandmarkTLS struct {
	Port       int    `yaml:"port" json:"port"` // default 443
	ServerName string `yaml:"server_name" json:"server_name,omitempty"`
	// Pins are "sha256/<base64 SPKI digest>" (the key) or
	// "cert-sha256/<base64 certificate digest>" (the whole certificate, as
	// a TLSA record with selector 0 names it).
	Pins  []string `yaml:"pins" json:"pins,omitempty"`
	CAPEM string   `yaml:"ca_pem" json:"ca_pem,omitempty"`
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
	if err := p.expandSet(); err != nil {
		return nil, err
	}
	switch {
	case len(p.Landmarks) == 0:
		return nil, fmt.Errorf("landmarks: needs at least one landmark")
	case p.Count < 1 || p.Count > 10000:
		return nil, fmt.Errorf("count: %d is not between 1 and 10000", p.Count)
	case p.Interval < 0 || p.SampleTimeout <= 0 || p.Parallel < 1:
		return nil, fmt.Errorf("interval, sample_timeout and parallel must be positive")
	}
	if err := checkRTTMethods("methods", p.Methods); err != nil {
		return nil, err
	}
	out := make([]Landmark, 0, len(p.Landmarks))
	for i := range p.Landmarks {
		r, err := p.Landmarks[i].resolve()
		if err != nil {
			return nil, fmt.Errorf("landmarks[%d]: %w", i, err)
		}
		if !r.answersAny(p.Methods) {
			return nil, fmt.Errorf("landmarks[%d] (%s): answers none of the probe's methods %v (it answers %v)", i, r.Spec.Name, p.Methods, r.Spec.Methods)
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
	if err := checkRTTMethods("methods", s.Methods); err != nil {
		return Landmark{}, err
	}
	if s.TLS != nil {
		t := *s.TLS
		if err := t.check(); err != nil {
			return Landmark{}, fmt.Errorf("tls.%w", err)
		}
		s.TLS = &t
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

// check validates the pins and the CA and sets the default port.
func (t *LandmarkTLS) check() error {
	if t.Port == 0 {
		t.Port = 443
	}
	switch {
	case t.Port < 0 || t.Port > 65535:
		return fmt.Errorf("port: %d is not a port", t.Port)
	case len(t.Pins) == 0 && t.CAPEM == "":
		return fmt.Errorf("pins: give pins or ca_pem, or the landmark cannot be authenticated")
	case t.CAPEM != "" && t.ServerName == "":
		return fmt.Errorf("server_name: needed to check a certificate against ca_pem")
	}
	for i, p := range t.Pins {
		v, ok := strings.CutPrefix(p, "sha256/")
		if !ok {
			v, ok = strings.CutPrefix(p, "cert-sha256/")
		}
		if b, err := base64.StdEncoding.DecodeString(v); !ok || err != nil || len(b) != sha256.Size {
			return fmt.Errorf("pins[%d]: %q is not sha256/<base64 of 32 bytes> (the key) or cert-sha256/<…> (the certificate)", i, p)
		}
	}
	if _, err := t.Roots(); err != nil {
		return err
	}
	return nil
}

// Roots returns the CA certificates of CAPEM, or nil when there are none.
func (t *LandmarkTLS) Roots() (*x509.CertPool, error) {
	if t.CAPEM == "" {
		return nil, nil
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM([]byte(t.CAPEM)) {
		return nil, fmt.Errorf("ca_pem: no PEM certificate")
	}
	return roots, nil
}
