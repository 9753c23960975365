package probes

import (
	"context"
	"fmt"
	"slices"

	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/landmarks"
)

// rttMethods are the rtt probe's configurable methods ("tls" is added for
// every landmark that can authenticate its answers).
var rttMethods = []string{"tcp", "udp", "icmp"}

func checkRTTMethods(field string, ms []string) error {
	for i, m := range ms {
		if !slices.Contains(rttMethods, m) {
			return fmt.Errorf("%s[%d]: unknown method %q (known: tcp, udp, icmp)", field, i, m)
		}
	}
	return nil
}

// Answers reports whether the landmark answers method (a landmark without
// Methods answers all).
func (s LandmarkSpec) Answers(method string) bool {
	return len(s.Methods) == 0 || slices.Contains(s.Methods, method)
}

// Bound sets the bound of the landmark file Validate reads (probes.Bounded).
func (p *RTTParams) Bound(lim limits.Limits) { p.lim = lim }

// expandSet reads the landmark set, if any, and appends its landmarks to
// Landmarks, once: the set is consumed, LandmarkSource records it.
func (p *RTTParams) expandSet() error {
	sel := p.LandmarkSet
	if sel == nil {
		return nil
	}
	picked, desc, err := sel.Apply(context.Background(), p.lim)
	if err != nil {
		return fmt.Errorf("landmark_set: %w", err)
	}
	family := sel.Family
	if family == "" {
		family = "ip4"
	}
	for _, l := range picked {
		p.Landmarks = append(p.Landmarks, specOf(l.Landmark, family))
	}
	p.LandmarkSource, p.LandmarkSet = desc, nil
	return nil
}

// specOf is a landmark file's landmark as the rtt probe measures it: the
// methods it answers (ICMP echo, TCP connect to 443 or else 80) and, when
// its published TLSA record names its own certificate, an authenticated
// TLS series pinned to it.
func specOf(l landmarks.Landmark, family string) LandmarkSpec {
	lat, lon := l.Lat, l.Lon
	s := LandmarkSpec{Name: l.Name, Address: l.Address(family), Lat: &lat, Lon: &lon, Country: l.Country}
	if slices.Contains(l.Answers, "icmp") {
		s.Methods = append(s.Methods, "icmp")
	}
	switch {
	case slices.Contains(l.Answers, "tcp/443"):
		s.Methods, s.TCPPort = append(s.Methods, "tcp"), 443
	case slices.Contains(l.Answers, "tcp/80"):
		s.Methods, s.TCPPort = append(s.Methods, "tcp"), 80
	}
	if pin := l.Pin(); pin != "" {
		s.TLS = &LandmarkTLS{Port: 443, ServerName: l.Name, Pins: []string{pin}}
	}
	return s
}

// answersAny reports whether the landmark can be measured with one of
// methods, or with an authenticated handshake.
func (l Landmark) answersAny(methods []string) bool {
	if l.Spec.TLS != nil {
		return true
	}
	return slices.ContainsFunc(methods, l.Spec.Answers)
}
