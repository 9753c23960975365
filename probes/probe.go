package probes

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sovbench/sovbench/results"
)

// Target describes the host a probe runs on, as the suite names it. Probes
// always run on the host they are executing on; Target only labels evidence.
type Target struct {
	Name string
	Kind string // local, lab, ssh
}

// Probe is one kind of measurement, configured and ready to run.
type Probe interface {
	// Name is the probe kind as suites name it ("host", "egress", ...).
	Name() string
	// Version changes whenever what the probe records changes meaning.
	Version() string
	// Run measures. The error means only that the probe could not run at all;
	// what the host or the network did is recorded in the evidence.
	Run(ctx context.Context, t Target) (results.Evidence, error)
}

// FixtureReader is a probe that reads the identity of the host it runs on
// from files (the host probe), and so can be pointed at a lab host's fixture
// tree instead: a lab namespace shares the real machine's /sys, /proc and
// CPUID. Only the lab does that (scenarios.Env.LabFixture, from the agent's
// hidden --lab-fixture flag); no suite parameter or plan field reaches it.
type FixtureReader interface {
	Probe
	// WithFixture returns a copy of the probe that reads the tree at root
	// in place of "/"; its evidence says it came from a fixture.
	WithFixture(root string) (Probe, error)
}

// Decoder decodes a probe's parameters into the given struct pointer. The
// scenarios package passes a strict YAML decoder (unknown keys are errors).
type Decoder func(v any) error

// Kind is one entry of the dispatch map.
type Kind struct {
	Version string
	Doc     string
	// BindsEvidence: the kind's probes are Binders whose evidence binds the
	// rest of the target's evidence, so they run last and are bound first.
	BindsEvidence bool
	// New decodes parameters (applying defaults first) and returns a probe.
	New func(decode Decoder) (Probe, error)
}

// kinds is the dispatch map: every probe kind, named once. The runner and
// suite validation both use it.
var kinds = map[string]Kind{
	jurisdictionName: {Version: jurisdictionVersion, Doc: "operator of record: chain of control and jurisdictions from the operator registry", New: newJurisdiction},
	egressName:       {Version: egressVersion, Doc: "egress: TCP, UDP (DNS, NTP, token), ICMP, HTTP(S) direct and via proxy, TLS pinning, DNS leaks", New: newEgress},
	hostName:         {Version: hostVersion, Doc: "host identity: CPU, hypervisor, DMI, NICs, resolvers, NTP, metadata services", New: newHost},
	tpmName:          {Version: tpmVersion, Doc: "TPM attestation: EK chain, activated AK, quote bound to the evidence digest, measured-boot log", BindsEvidence: true, New: newTPM},
	rttName:          {Version: rttVersion, Doc: "round trips to landmarks (TCP connect, UDP echo, ICMP echo) and the region they bound the host to", New: newRTT},
	controlplaneName: {Version: controlplaneVersion, Doc: "control-plane API: per-phase HTTP(S) timing, distance bound of the front end, server time and origin", New: newControlPlane},
}

// Lookup returns the kind named name, or an error listing the known kinds.
func Lookup(name string) (Kind, error) {
	k, ok := kinds[name]
	if !ok {
		return Kind{}, fmt.Errorf("unknown probe %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return k, nil
}

// New builds a configured probe of the named kind.
func New(name string, decode Decoder) (Probe, error) {
	k, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	return k.New(decode)
}

// Names lists every probe kind, sorted.
func Names() []string {
	names := make([]string, 0, len(kinds))
	for n := range kinds {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Recorder builds one Evidence record: it stamps the start, records
// observations with times relative to it on the monotonic clock, and finishes
// with the duration. It is safe for concurrent use.
type Recorder struct {
	mu    sync.Mutex
	start time.Time
	ev    results.Evidence
}

// Begin starts recording evidence for probe p on target t.
func Begin(p Probe, t Target) *Recorder {
	now := time.Now()
	return &Recorder{start: now, ev: results.Evidence{
		Probe: p.Name(), ProbeVersion: p.Version(), Target: t.Name, Start: now.UTC(),
	}}
}

// Since is the time elapsed since Begin, on the monotonic clock.
func (r *Recorder) Since() time.Duration { return time.Since(r.start) }

// Observe records one operation that started at began and ended now. err,
// when not nil, is classified; it is recorded, never returned.
func (r *Recorder) Observe(op, addr string, began time.Time, err error, note string) *results.Failure {
	f := Classify(op, err)
	o := results.Observation{
		At: results.Duration(began.Sub(r.start)), Operation: op, Address: addr,
		Took: results.Duration(time.Since(began)), Failure: f, Note: note,
	}
	r.mu.Lock()
	r.ev.Observations = append(r.ev.Observations, o)
	r.mu.Unlock()
	return f
}

// Finish returns the evidence with its duration set. fill, if not nil, sets
// the probe-specific details under the recorder's lock.
func (r *Recorder) Finish(fill func(ev *results.Evidence)) results.Evidence {
	r.mu.Lock()
	defer r.mu.Unlock()
	if fill != nil {
		fill(&r.ev)
	}
	r.ev.Duration = results.Duration(time.Since(r.start))
	return r.ev
}
