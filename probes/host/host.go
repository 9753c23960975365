package host

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sync"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

type hostProbe struct {
	p probes.HostParams
	// root is "/" (the machine the probe runs on) or a lab host's fixture
	// tree; fixture says which, and only a fixture's CPUID comes from a file.
	root    string
	fixture bool
	fsys    fs.FS // os.DirFS(root); tests may wrap it
}

// New returns a host-identity probe of the machine it runs on, for
// validated parameters. It reads the live CPUID instruction and the real
// /proc, /sys and /etc, whatever files those trees hold.
func New(p probes.HostParams) (probes.Probe, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &hostProbe{p: p, root: "/", fsys: os.DirFS("/")}, nil
}

// NewFixture returns a host-identity probe that reads the fixture tree
// at root in place of the machine it runs on: the tree's /proc, /sys and
// /etc, and its CPUIDFixture file instead of the CPUID instruction. Its
// evidence says so (every read's note is FixtureNote). A lab host shares the
// real machine's kernel, so the lab gives each host a fixture of the
// platform it plays; the agent takes it from the hidden --lab-fixture flag,
// never from a suite or a plan. root must name a tree other than "/".
func NewFixture(p probes.HostParams, root string) (probes.Probe, error) {
	pr, err := New(p)
	if err != nil {
		return nil, err
	}
	return pr.(*hostProbe).WithFixture(root)
}

var _ probes.FixtureReader = (*hostProbe)(nil)

// FixtureNote is the note on every observation of a host probe that read a
// lab host's fixture tree rather than the machine it ran on.
const FixtureNote = "read from lab fixture"

// WithFixture returns a copy of the probe that reads the fixture tree at
// root (see NewFixture); it makes the host probe a FixtureReader.
func (h *hostProbe) WithFixture(root string) (probes.Probe, error) {
	if root == "" || path.Clean(root) == "/" {
		return nil, fmt.Errorf("lab fixture %q: want a fixture tree other than /", root)
	}
	return &hostProbe{p: h.p, root: root, fixture: true, fsys: os.DirFS(root)}, nil
}

func (h *hostProbe) Name() string    { return probes.HostName }
func (h *hostProbe) Version() string { return probes.HostVersion }

// Run reads the host's identity signals and, when enabled, asks the
// instance-metadata services concurrently with the file reads. Every value
// is reported as claimed, with its source. The error is only for a broken
// CPUID fixture file (bad configuration).
func (h *hostProbe) Run(ctx context.Context, t probes.Target) (results.Evidence, error) {
	rec := probes.Begin(h, t)
	r := &hostReader{fsys: h.fsys, rec: rec}
	if h.fixture {
		r.note = FixtureNote
	}
	var (
		d    results.HostDetails
		imds []results.IMDSAnswer
		wg   sync.WaitGroup
	)
	if h.p.Metadata {
		wg.Go(func() { imds = queryIMDS(ctx, h.p, rec) })
	}
	cpu, err := h.cpuid(r)
	if err != nil {
		wg.Wait()
		return results.Evidence{}, err
	}
	d.Kernel = r.claimed("kernel", "proc/sys/kernel/osrelease")
	d.CPU = r.cpu(cpu)
	d.DMI = r.dmi()
	d.Hypervisor = r.hypervisor(cpu, d.CPU)
	d.Virt = r.virt(d.DMI, cpu, d.CPU.Vendor)
	d.NICs = r.nics()
	d.Resolvers = r.resolvers()
	d.NTP = r.ntp()
	wg.Wait()
	d.MetadataQueried, d.Metadata = h.p.Metadata, imds
	d.Operator = GuessOperator(&d)
	return rec.Finish(func(ev *results.Evidence) { ev.Host = &d }), nil
}

// cpuid reads the live CPUID instruction, or the CPUIDFixture file of a lab
// fixture tree. A CPUIDFixture file anywhere else, the real root's
// included, is never read: no file on a real host can fake CPUID.
func (h *hostProbe) cpuid(r *hostReader) (cpuidInfo, error) {
	if !h.fixture {
		return liveCPUID(), nil
	}
	data, f := r.read(CPUIDFixture)
	src := r.path(CPUIDFixture)
	if f != nil {
		return cpuidInfo{Source: src + ": " + string(f.Class)}, nil
	}
	info, err := parseCPUIDFixture(src, data)
	if err != nil { // an error for whoever set the lab up: name the real file
		return cpuidInfo{}, fmt.Errorf("reading CPUID fixture under %s: %w", h.root, err)
	}
	return info, nil
}
