package probes

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"slices"
	"sync"
	"time"

	"github.com/sovbench/sovbench/results"
)

const (
	hostName    = "host"
	hostVersion = "0.2.0"
)

// Defaults of the host probe's metadata phase.
const (
	DefaultMetadataTimeout        = 3 * time.Second
	DefaultMetadataRequestTimeout = 1 * time.Second
)

// HostParams configures the host-identity probe.
//
// Instance-metadata services are OFF unless Metadata is true. They live at
// link-local addresses (169.254.169.254, 169.254.42.42) that must never be
// dialled from a machine that is not a cloud VM (or from the development
// machine at all); a suite run on a real VM turns them on, a lab suite points
// MetadataURLs at its own namespace servers.
//
// The probe reads the machine it runs on. Nothing a suite sets can point it
// elsewhere: only a lab host's fixture tree stands in for the machine, given
// by the lab (see NewHostFixture).
type HostParams struct {
	// Metadata turns on the instance-metadata phase.
	Metadata bool `yaml:"metadata"`
	// MetadataURLs overrides the base URL of flavours (aws, gce, azure,
	// openstack, scaleway, hetzner, oracle); the others keep their real
	// link-local defaults.
	MetadataURLs map[string]string `yaml:"metadata_urls"`
	// MetadataFlavors limits which flavours are asked (default: all).
	MetadataFlavors []string `yaml:"metadata_flavors"`
	// MetadataTimeout bounds the whole metadata phase (all flavours run
	// concurrently); MetadataRequestTimeout bounds each HTTP request.
	MetadataTimeout        time.Duration `yaml:"metadata_timeout"`
	MetadataRequestTimeout time.Duration `yaml:"metadata_request_timeout"`
}

// DefaultHostParams returns the parameters a suite gets when it sets none.
func DefaultHostParams() HostParams {
	return HostParams{MetadataTimeout: DefaultMetadataTimeout, MetadataRequestTimeout: DefaultMetadataRequestTimeout}
}

// Validate checks the parameters; errors name the field.
func (p HostParams) Validate() error {
	var errs []error
	if !p.Metadata && (len(p.MetadataURLs) > 0 || len(p.MetadataFlavors) > 0) {
		errs = append(errs, errors.New("metadata_urls/metadata_flavors: set, but metadata is false (set metadata: true to query them)"))
	}
	for _, f := range slices.Sorted(mapKeys(p.MetadataURLs)) {
		if _, ok := flavorNamed(f); !ok {
			errs = append(errs, fmt.Errorf("metadata_urls.%s: unknown flavour (known: %s)", f, flavorList()))
			continue
		}
		u, err := url.Parse(p.MetadataURLs[f])
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("metadata_urls.%s: %q is not an http(s) URL with a host", f, p.MetadataURLs[f]))
		}
	}
	for i, f := range p.MetadataFlavors {
		if _, ok := flavorNamed(f); !ok {
			errs = append(errs, fmt.Errorf("metadata_flavors[%d]: unknown flavour %q (known: %s)", i, f, flavorList()))
		}
	}
	if p.MetadataTimeout <= 0 || p.MetadataRequestTimeout <= 0 {
		errs = append(errs, errors.New("metadata_timeout/metadata_request_timeout: must be positive"))
	} else if p.MetadataRequestTimeout > p.MetadataTimeout {
		errs = append(errs, fmt.Errorf("metadata_request_timeout: %s exceeds metadata_timeout %s", p.MetadataRequestTimeout, p.MetadataTimeout))
	}
	return errors.Join(errs...)
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

type hostProbe struct {
	p HostParams
	// root is "/" (the machine the probe runs on) or a lab host's fixture
	// tree; fixture says which, and only a fixture's CPUID comes from a file.
	root    string
	fixture bool
	fsys    fs.FS // os.DirFS(root); tests may wrap it
}

func newHost(decode Decoder) (Probe, error) {
	p := DefaultHostParams()
	if err := decode(&p); err != nil {
		return nil, err
	}
	return NewHost(p)
}

// NewHost returns a host-identity probe of the machine it runs on, for
// validated parameters. It reads the live CPUID instruction and the real
// /proc, /sys and /etc, whatever files those trees hold.
func NewHost(p HostParams) (Probe, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &hostProbe{p: p, root: "/", fsys: os.DirFS("/")}, nil
}

// NewHostFixture returns a host-identity probe that reads the fixture tree
// at root in place of the machine it runs on: the tree's /proc, /sys and
// /etc, and its CPUIDFixture file instead of the CPUID instruction. Its
// evidence says so (every read's note is FixtureNote). A lab host shares the
// real machine's kernel, so the lab gives each host a fixture of the
// platform it plays; the agent takes it from the hidden --lab-fixture flag,
// never from a suite or a plan. root must name a tree other than "/".
func NewHostFixture(p HostParams, root string) (Probe, error) {
	pr, err := NewHost(p)
	if err != nil {
		return nil, err
	}
	return pr.(*hostProbe).WithFixture(root)
}

var _ FixtureReader = (*hostProbe)(nil)

// FixtureNote is the note on every observation of a host probe that read a
// lab host's fixture tree rather than the machine it ran on.
const FixtureNote = "read from lab fixture"

// WithFixture returns a copy of the probe that reads the fixture tree at
// root (see NewHostFixture); it makes the host probe a FixtureReader.
func (h *hostProbe) WithFixture(root string) (Probe, error) {
	if root == "" || path.Clean(root) == "/" {
		return nil, fmt.Errorf("lab fixture %q: want a fixture tree other than /", root)
	}
	return &hostProbe{p: h.p, root: root, fixture: true, fsys: os.DirFS(root)}, nil
}

func (h *hostProbe) Name() string    { return hostName }
func (h *hostProbe) Version() string { return hostVersion }

// Run reads the host's identity signals and, when enabled, asks the
// instance-metadata services concurrently with the file reads. Every value
// is reported as claimed, with its source. The error is only for a broken
// CPUID fixture file (bad configuration).
func (h *hostProbe) Run(ctx context.Context, t Target) (results.Evidence, error) {
	rec := Begin(h, t)
	r := &hostReader{fsys: h.fsys, root: h.root, rec: rec}
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
	if err != nil {
		return cpuidInfo{}, fmt.Errorf("reading CPUID fixture: %w", err)
	}
	return info, nil
}
