package jurisdiction

import (
	"context"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

type probe struct{ p probes.JurisdictionParams }

// New returns a jurisdiction probe for validated parameters.
func New(p probes.JurisdictionParams) (probes.Probe, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &probe{p: p}, nil
}

func (j *probe) Name() string    { return probes.JurisdictionName }
func (j *probe) Version() string { return probes.JurisdictionVersion }

// Run records the operator's chain of control from the registry. It measures
// nothing on the host: the evidence is registry data with its digest.
func (j *probe) Run(_ context.Context, t probes.Target) (results.Evidence, error) {
	rec := probes.Begin(j, t)
	reg, err := probes.OperatorRegistry()
	if err != nil {
		return results.Evidence{}, err
	}
	d := reg.Resolve(j.p.Operator)
	return rec.Finish(func(ev *results.Evidence) { ev.Jurisdiction = &d }), nil
}
