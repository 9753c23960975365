package probes

import "fmt"

// checkPorts checks a destination with Ports: no Port beside them, a
// protocol with ports, a well-formed list.
func (d *DestinationSpec) checkPorts(where string) error {
	if d.Port != 0 {
		return fmt.Errorf("%s.ports: set port or ports, not both", where)
	}
	if d.Protocol == "icmp" {
		return fmt.Errorf("%s.ports: protocol icmp has no ports", where)
	}
	if _, err := ParsePorts(d.Ports); err != nil {
		return fmt.Errorf("%s.ports: %w", where, err)
	}
	return nil
}

// Count is the number of destinations d stands for: one per port of
// Ports, else one. Ports must have been checked (Normalise).
func (d DestinationSpec) Count() int {
	if d.Ports == "" {
		return 1
	}
	ports, _ := ParsePorts(d.Ports)
	return len(ports)
}

// countDestinations is the number of destinations ds stand for.
func countDestinations(ds []DestinationSpec) int {
	n := 0
	for _, d := range ds {
		n += d.Count()
	}
	return n
}
