package probes

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/landmarks"
)

// The inbound kind's name and version.
const (
	InboundName    = "inbound"
	InboundVersion = "0.1.0"
)

// InboundParams configures the inbound probe: one-off pings from RIPE
// Atlas probes towards the target, run by the auditor (Kind.Outside).
type InboundParams struct {
	// Address is the target's public address the vantage points ping;
	// default: the target's own address when the suite names it by IP
	// (an ssh target).
	Address string `yaml:"address" json:"address,omitempty"`
	// LandmarkSet picks the vantage points: anchors of a landmark file
	// (their Atlas probes) by the rules of an rtt landmark_set. Read when
	// the suite is validated and turned into Vantages.
	LandmarkSet *landmarks.Selection `yaml:"landmark_set" json:"-"`
	// Vantages are the chosen vantage points (from LandmarkSet).
	Vantages []Vantage `yaml:"-" json:"vantages"`
	// VantageSource says which file and rules the vantages came from.
	VantageSource string `yaml:"-" json:"vantage_source,omitempty"`
	// Packets is how many pings each vantage point sends (default 3).
	Packets int `yaml:"packets" json:"packets"`
	// PollInterval paces the reads of the measurement's state (default
	// 20s); the step's timeout bounds the whole wait (give it minutes:
	// Atlas one-off measurements take one to a few).
	PollInterval time.Duration `yaml:"poll_interval" json:"poll_interval"`

	lim limits.Limits // bounds the landmark file (Bound)
}

// Vantage is one outside vantage point: an anchor's Atlas probe and the
// anchor's published position.
type Vantage struct {
	Name    string  `json:"name"`
	Country string  `json:"country"`
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
	ProbeID int     `json:"probe_id"`
}

// DefaultInboundParams returns the parameters a suite gets when it sets
// none (it must still pick vantage points).
func DefaultInboundParams() InboundParams {
	return InboundParams{Packets: 3, PollInterval: 20 * time.Second}
}

// Kind is "inbound".
func (p *InboundParams) Kind() string { return InboundName }

// Bound sets the bound of the landmark file Validate reads (probes.Bounded).
func (p *InboundParams) Bound(lim limits.Limits) { p.lim = lim }

// Validate expands the landmark set into vantage points (once) and checks
// the rest.
func (p *InboundParams) Validate() error {
	if sel := p.LandmarkSet; sel != nil {
		picked, desc, err := sel.Apply(context.Background(), p.lim)
		if err != nil {
			return fmt.Errorf("landmark_set: %w", err)
		}
		for _, l := range picked {
			if l.ProbeID > 0 {
				p.Vantages = append(p.Vantages, Vantage{Name: l.Name, Country: l.Country, Lat: l.Lat, Lon: l.Lon, ProbeID: l.ProbeID})
			}
		}
		p.VantageSource, p.LandmarkSet = desc, nil
	}
	switch {
	case len(p.Vantages) == 0:
		return fmt.Errorf("landmark_set: picks no landmark with an Atlas probe id (probe_id) to measure from")
	case p.Packets < 1 || p.Packets > 16:
		return fmt.Errorf("packets: %d is not between 1 and 16", p.Packets)
	case p.PollInterval <= 0:
		return fmt.Errorf("poll_interval: must be positive")
	}
	if p.Address != "" {
		if _, err := netip.ParseAddr(p.Address); err != nil {
			return fmt.Errorf("address: %q is not an IP address (the vantage points ping an address, not a name)", p.Address)
		}
	}
	seen := map[int]bool{}
	for i, v := range p.Vantages {
		if v.ProbeID <= 0 || seen[v.ProbeID] || v.Lat < -90 || v.Lat > 90 || v.Lon < -180 || v.Lon > 180 {
			return fmt.Errorf("vantages[%d] (%s): needs a unique probe id and a position", i, v.Name)
		}
		seen[v.ProbeID] = true
	}
	return nil
}
