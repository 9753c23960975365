package probes

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/internal/limits"
)

// Params is one probe kind's typed parameters: pure data that a suite
// decodes once, a plan carries as JSON and the agent builds its probe from
// (probes/kinds). Each kind's defaults live in one place, the value its
// Kind.NewParams returns; Validate completes what a zero value stands for
// (a protocol's port, say) and checks the rest.
type Params interface {
	// Kind names the probe kind the parameters configure.
	Kind() string
	// Validate checks the parameters, filling the defaults that a zero
	// value of a nested field stands for; errors name the field.
	Validate() error
}

// Bounded is implemented by parameters that read files a suite names or
// hold counts a suite may inflate (egress: destination lists, a CA file).
// The suite loader calls Bound with its limits after decoding and before
// Validate, so those reads and counts stay within them.
type Bounded interface {
	Bound(lim limits.Limits)
}

// Decoder decodes a probe's parameters into the given struct pointer. The
// suite loader passes a strict YAML decoder (unknown keys are errors).
type Decoder func(v any) error

// Kind is one entry of the kind table.
type Kind struct {
	Name    string
	Version string
	Doc     string
	// BindsEvidence: the kind's probes are Binders whose evidence binds the
	// rest of the target's evidence, so they run last and are bound first.
	BindsEvidence bool
	// Outside: the kind measures its target from outside, so it runs on
	// the auditor's machine (the runner), never on the target: plans sent
	// to targets leave it out, and no agent's record of it is accepted.
	Outside bool
	// AfterTarget: an Outside kind that runs once the target's own steps
	// are done (canary: it collects what their traffic left behind).
	AfterTarget bool
	// NewParams returns the kind's parameters with their defaults set.
	NewParams func() Params
}

// kinds is the kind table: every probe kind, named once. Suite loading,
// plans and the constructor table (probes/kinds) all use it.
var kinds = []Kind{
	{Name: JurisdictionName, Version: JurisdictionVersion, Doc: "operator of record: chain of control and jurisdictions from the operator registry",
		NewParams: func() Params { return &JurisdictionParams{} }},
	{Name: EgressName, Version: EgressVersion, Doc: "egress: TCP, UDP (DNS, NTP, token), ICMP, HTTP(S) direct and via proxy, TLS pinning, DNS leaks",
		NewParams: func() Params { p := DefaultEgressParams(); return &p }},
	{Name: HostName, Version: HostVersion, Doc: "host identity: CPU, hypervisor, DMI, NICs, resolvers, NTP, metadata services",
		NewParams: func() Params { p := DefaultHostParams(); return &p }},
	{Name: TPMName, Version: TPMVersion, Doc: "TPM attestation: EK chain, activated AK, quote bound to the evidence digest, measured-boot log",
		BindsEvidence: true, NewParams: func() Params { p := DefaultTPMParams(); return &p }},
	{Name: TEEName, Version: TEEVersion, Doc: "confidential VM (AMD SEV-SNP, Intel TDX): hardware report bound to the evidence digest, with its certificates",
		BindsEvidence: true, NewParams: func() Params { p := DefaultTEEParams(); return &p }},
	{Name: RTTName, Version: RTTVersion, Doc: "round trips to landmarks (TCP connect, UDP echo, ICMP echo; TLS 1.3 handshakes authenticated by the landmark's key) and the region they bound the host to",
		NewParams: func() Params { p := DefaultRTTParams(); return &p }},
	{Name: InboundName, Version: InboundVersion, Doc: "round trips towards the target from outside: one-off pings from RIPE Atlas probes on anchors, and the region they bound it to (run by the auditor, with the user's API key)",
		Outside: true, NewParams: func() Params { p := DefaultInboundParams(); return &p }},
	{Name: ControlPlaneName, Version: ControlPlaneVersion, Doc: "control-plane API: per-phase HTTP(S) timing, distance bound of the front end, server time and origin",
		NewParams: func() Params { p := DefaultControlPlaneParams(); return &p }},
	{Name: CanaryName, Version: CanaryVersion, Doc: "canary arrivals: which of the run's egress tokens reached the auditor's own far ends (run by the auditor after the target's steps)",
		Outside: true, AfterTarget: true, NewParams: func() Params { p := DefaultCanaryParams(); return &p }},
}

// Lookup returns the kind named name, or an error listing the known kinds.
func Lookup(name string) (Kind, error) {
	for _, k := range kinds {
		if k.Name == name {
			return k, nil
		}
	}
	return Kind{}, fmt.Errorf("unknown probe %q (known: %s)", name, strings.Join(Names(), ", "))
}

// VersionOf returns the version of the kind named name, "" for an unknown
// kind (evidence of a step that could not run still names its version).
func VersionOf(name string) string {
	k, err := Lookup(name)
	if err != nil {
		return ""
	}
	return k.Version
}

// Names lists every probe kind, sorted.
func Names() []string {
	names := make([]string, 0, len(kinds))
	for _, k := range kinds {
		names = append(names, k.Name)
	}
	slices.Sort(names)
	return names
}

// DecodeParams decodes the parameters of the kind named kind: the kind's
// defaults first, then decode, then Validate. It is the one way parameters
// are read, from a suite's YAML or a plan's JSON.
func DecodeParams(kind string, decode Decoder) (Params, error) {
	k, err := Lookup(kind)
	if err != nil {
		return nil, err
	}
	p := k.NewParams()
	if err := decode(p); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// IsAfterTarget reports whether the kind named name runs on the auditor's
// machine once the target's own steps are done (Kind.AfterTarget).
func IsAfterTarget(name string) bool {
	k, err := Lookup(name)
	return err == nil && k.Outside && k.AfterTarget
}

// IsOutside reports whether the kind named name runs on the auditor's
// machine (Kind.Outside); an unknown kind does not.
func IsOutside(name string) bool {
	k, err := Lookup(name)
	return err == nil && k.Outside
}
