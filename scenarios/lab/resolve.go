package lab

import (
	"fmt"
	"strings"
)

// ResolveHost returns the namespace of a host of a running lab. spec is
// provider/host (which must exist in exactly one running lab) or
// lab:provider/host. It is the default scenarios.Runner.ResolveLab.
func ResolveHost(spec string) (string, error) {
	labName, host, named := strings.Cut(spec, ":")
	if !named {
		host, labName = spec, ""
	}
	labs, err := List()
	if err != nil {
		return "", err
	}
	var found []string
	var in []string
	for _, s := range labs {
		if s.Topology == nil || !s.Ready || !s.Alive() || (labName != "" && s.Name != labName) {
			continue
		}
		if h, err := s.Topology.Host(host); err == nil {
			found = append(found, h.Namespace)
			in = append(in, s.Name)
		}
	}
	switch len(found) {
	case 0:
		if labName != "" {
			return "", fmt.Errorf("no running lab %s has host %s", labName, host)
		}
		return "", fmt.Errorf("no running lab has host %s (start one with: sovbench lab up FILE)", host)
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("host %s is in several running labs (%s): write lab:provider/host", host, strings.Join(in, ", "))
}
