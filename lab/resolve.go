package lab

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/run"
)

// Running finds lab hosts in the labs running on this machine (their state
// under /run/sovbench/labs), whichever process holds them. It is the
// run.Labs the CLI gives its runner.
type Running struct{}

var (
	_ run.Labs = Running{}
	_ run.Labs = (*Lab)(nil)
)

// LabHost returns the namespace and fixture of a host of a running lab.
// spec is provider/host (which must exist in exactly one running lab) or
// lab:provider/host.
func (Running) LabHost(spec string) (run.LabHost, error) {
	h, err := findHost(spec)
	if err != nil {
		return run.LabHost{}, err
	}
	return run.LabHost{Namespace: h.Namespace, Fixture: h.Fixture}, nil
}

// LabHost returns the namespace and fixture of host spec of this lab:
// provider/host, or lab:provider/host with this lab's name. A *Lab is the
// run.Labs of a process that holds the lab (the seed demo, tests).
func (l *Lab) LabHost(spec string) (run.LabHost, error) {
	if name, host, ok := strings.Cut(spec, ":"); ok {
		if name != l.State.Name {
			return run.LabHost{}, fmt.Errorf("host %s: this is lab %s, not %s", spec, l.State.Name, name)
		}
		spec = host
	}
	h, err := l.Topology.Host(spec)
	if err != nil {
		return run.LabHost{}, err
	}
	return run.LabHost{Namespace: h.Namespace, Fixture: h.Fixture}, nil
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

var (
	_ run.ArrivalLog = Running{}
	_ run.ArrivalLog = (*Lab)(nil)
)

// CanaryArrivals returns what this lab's recording services saw carrying
// token: the lab's sinks are the auditor's canaries.
func (l *Lab) CanaryArrivals(ctx context.Context, token string) ([]results.CanaryArrival, error) {
	return canaryArrivals(l.Arrivals(""), token), nil
}

// CanaryArrivals returns what the recording services of the labs running
// on this machine saw carrying token (their arrivals.jsonl).
func (Running) CanaryArrivals(ctx context.Context, token string) ([]results.CanaryArrival, error) {
	labs, err := List()
	if err != nil {
		return nil, err
	}
	var out []results.CanaryArrival
	for _, s := range labs {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("reading arrivals: %w", ctx.Err())
		}
		if !s.Ready || !s.Alive() {
			continue
		}
		arr, err := readArrivals(filepath.Join(s.Dir(), "arrivals.jsonl"))
		if err != nil {
			return nil, fmt.Errorf("lab %s: %w", s.Name, err)
		}
		out = append(out, canaryArrivals(arr, token)...)
	}
	return out, nil
}

func canaryArrivals(arr []Arrival, token string) []results.CanaryArrival {
	out := []results.CanaryArrival{}
	for _, a := range arr {
		if token != "" && strings.Contains(a.Payload, token) {
			out = append(out, results.CanaryArrival{Time: a.Time, Canary: a.Service, Proto: a.Proto, Destination: a.Local, Peer: a.Peer, Payload: a.Payload})
		}
	}
	return out
}
