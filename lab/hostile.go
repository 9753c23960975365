package lab

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/sovbench/sovbench/results"
)

// A lab can model a provider that lies about its network (docs/location.md,
// "What the audited provider controls"): a service on one of its hosts
// that answers for another service's addresses from right there (a proxy
// in front of the host: nothing can answer sooner), and delay the provider
// adds on its own links. Egress allow lists model the third lie, dropped
// destinations.

// AddedDelay is delay a provider adds on its own network, each way,
// between its addresses and the named destinations (all when none).
type AddedDelay struct {
	Add results.Duration `json:"add"`
	To  []string         `json:"to,omitempty"`
	// to are the addresses of To, resolved when the lab is built.
	to []netip.Addr
}

// delaySpec is a provider's "delay:" as written.
type delaySpec struct {
	Add time.Duration `yaml:"add"`
	To  []string      `yaml:"to"`
}

// impersonate gives s, on host owner's side, the addresses of the service
// it answers for: private to its host (on its loopback), so only that host
// reaches it instead of the real one, and the forwarder never sees them.
func (b *builder) impersonate(s *ServiceInfo, ss serviceSpec, owner string) error {
	switch {
	case owner == "internet":
		return errors.New("impersonates: only a service on a host can answer for another")
	case ss.Address != "":
		return errors.New("impersonates: a service has an address or impersonates another, not both")
	}
	i := slices.IndexFunc(b.t.Services, func(o ServiceInfo) bool { return o.Name == ss.Impersonates })
	if i < 0 || b.t.Services[i].Local {
		return fmt.Errorf("impersonates: %q is not a service listed before this one with lab addresses", ss.Impersonates)
	}
	s.Addrs, s.Local, s.Impersonates = slices.Clone(b.t.Services[i].Addrs), true, ss.Impersonates
	return nil
}

// addedDelays resolves every provider's added delay.
func (b *builder) addedDelays() error {
	for i, ps := range b.spec.Providers {
		if ps.Delay == nil {
			continue
		}
		field := fmt.Sprintf("providers[%d].delay", i)
		if ps.Delay.Add <= 0 {
			return b.fail("add: want a positive duration", field+".add", "providers", i, "delay", "add")
		}
		d := &AddedDelay{Add: results.Duration(ps.Delay.Add), To: ps.Delay.To}
		for j, name := range ps.Delay.To {
			addrs, err := b.t.Addrs(name)
			if err != nil {
				return b.fail(err.Error(), fmt.Sprintf("%s.to[%d]", field, j), "providers", i, "delay", "to", j)
			}
			d.to = append(d.to, addrs...)
		}
		b.t.Providers[i].Delay = d
	}
	return nil
}

// addedDelay is the delay the providers add between a at site sa and b at
// site sb: a provider's own delay applies to packets between its
// addresses and its chosen destinations, in both directions.
func (t *Topology) addedDelay(a netip.Addr, sa site, b netip.Addr, sb site) time.Duration {
	var d time.Duration
	for _, p := range t.Providers {
		if p.Delay == nil {
			continue
		}
		own := "provider " + p.Name
		switch {
		case sa.name == own && sb.name != own && (len(p.Delay.to) == 0 || slices.Contains(p.Delay.to, b)):
			d += p.Delay.Add.D()
		case sb.name == own && sa.name != own && (len(p.Delay.to) == 0 || slices.Contains(p.Delay.to, a)):
			d += p.Delay.Add.D()
		}
	}
	return d
}
