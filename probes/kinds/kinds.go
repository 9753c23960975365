package kinds

import (
	"fmt"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/probes/controlplane"
	"github.com/sovbench/sovbench/probes/egress"
	"github.com/sovbench/sovbench/probes/host"
	"github.com/sovbench/sovbench/probes/inbound"
	"github.com/sovbench/sovbench/probes/jurisdiction"
	"github.com/sovbench/sovbench/probes/rtt"
	"github.com/sovbench/sovbench/probes/tee"
	"github.com/sovbench/sovbench/probes/tpm"
)

// constructors names each kind's constructor once, by the kind's name in
// the probes kind table.
var constructors = map[string]func(probes.Params) (probes.Probe, error){
	probes.JurisdictionName: ctor(jurisdiction.New),
	probes.EgressName:       ctor(egress.New),
	probes.HostName:         ctor(host.New),
	probes.TPMName:          ctor(tpm.New),
	probes.RTTName:          ctor(rtt.New),
	probes.InboundName:      ctor(inbound.New),
	probes.TEEName:          ctor(tee.New),
	probes.ControlPlaneName: ctor(controlplane.New),
	probes.CanaryName:       ctor(egress.NewCanary),
}

// ctor adapts a family's New(P) to the table's signature.
func ctor[P any, PP interface {
	*P
	probes.Params
}](newProbe func(P) (probes.Probe, error)) func(probes.Params) (probes.Probe, error) {
	return func(p probes.Params) (probes.Probe, error) {
		pp, ok := p.(PP)
		if !ok {
			return nil, fmt.Errorf("parameters %T do not configure a %s probe", p, p.Kind())
		}
		return newProbe(*pp)
	}
}

// New builds the probe that params configure (params.Kind() names the
// kind). The family's constructor validates the parameters again and
// reads whatever files they name on this host (destination lists, CA files).
func New(params probes.Params) (probes.Probe, error) {
	if params == nil {
		return nil, fmt.Errorf("no probe parameters")
	}
	c, ok := constructors[params.Kind()]
	if !ok {
		return nil, fmt.Errorf("no constructor for probe kind %q", params.Kind())
	}
	return c(params)
}
