package lab

import (
	"fmt"
	"strings"
)

// ResolveHost returns the namespace of a host of a running lab. spec is
// provider/host (which must exist in exactly one running lab) or
// lab:provider/host. It is the default scenarios.Runner.ResolveLab.
func ResolveHost(spec string) (string, error) {
	h, err := findHost(spec)
	return h.Namespace, err
}

// HostFixture returns the host-identity fixture root of a host of a running
// lab ("" if it has none), spec as for ResolveHost. It is the default
// scenarios.Runner.LabFixture.
func HostFixture(spec string) (string, error) {
	h, err := findHost(spec)
	return h.Fixture, err
}

// findHost finds the host spec names in the running labs.
func findHost(spec string) (Host, error) {
	labName, host, named := strings.Cut(spec, ":")
	if !named {
		host, labName = spec, ""
	}
	labs, err := List()
	if err != nil {
		return Host{}, err
	}
	var found []Host
	var in []string
	for _, s := range labs {
		if s.Topology == nil || !s.Ready || !s.Alive() || (labName != "" && s.Name != labName) {
			continue
		}
		if h, err := s.Topology.Host(host); err == nil {
			found = append(found, *h)
			in = append(in, s.Name)
		}
	}
	switch len(found) {
	case 0:
		if labName != "" {
			return Host{}, fmt.Errorf("no running lab %s has host %s", labName, host)
		}
		return Host{}, fmt.Errorf("no running lab has host %s (start one with: sovbench lab up FILE)", host)
	case 1:
		return found[0], nil
	}
	return Host{}, fmt.Errorf("host %s is in several running labs (%s): write lab:provider/host", host, strings.Join(in, ", "))
}
