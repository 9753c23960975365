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
type HostParams struct {
	// Root is prefixed to every file path the probe reads ("/" on a real host,
	// a fixture tree in tests). With a Root other than "/", CPUID is read from
	// <Root>/.sovbench/cpuid instead of the instruction (see CPUIDFixture).
	// A target with its own root (Target.Root: a lab host's fixture) stands
	// in for "/".
	Root string `yaml:"root"`
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
	return HostParams{Root: "/", MetadataTimeout: DefaultMetadataTimeout, MetadataRequestTimeout: DefaultMetadataRequestTimeout}
}

// Validate checks the parameters; errors name the field.
func (p HostParams) Validate() error {
	var errs []error
	if p.Root == "" {
		errs = append(errs, errors.New("root: must not be empty (use / for this host)"))
	}
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
	p    HostParams
	fsys fs.FS // os.DirFS(Root); tests may wrap it
}

func newHost(decode Decoder) (Probe, error) {
	p := DefaultHostParams()
	if err := decode(&p); err != nil {
		return nil, err
	}
	return NewHost(p)
}

// NewHost returns a host-identity probe for validated parameters.
func NewHost(p HostParams) (Probe, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &hostProbe{p: p, fsys: os.DirFS(p.Root)}, nil
}

func (h *hostProbe) Name() string    { return hostName }
func (h *hostProbe) Version() string { return hostVersion }

// Run reads the host's identity signals and, when enabled, asks the
// instance-metadata services concurrently with the file reads. Every value
// is reported as claimed, with its source. The error is only for a broken
// CPUID fixture file (bad configuration).
func (h *hostProbe) Run(ctx context.Context, t Target) (results.Evidence, error) {
	rec := Begin(h, t)
	r := &hostReader{fsys: h.fsys, root: h.p.Root, rec: rec}
	if path.Clean(h.p.Root) == "/" && t.Root != "" && path.Clean(t.Root) != "/" {
		r.fsys, r.root = os.DirFS(t.Root), t.Root
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

// cpuid reads the live CPUID on the real root and the CPUIDFixture file on
// any other root (r's, which may be the target's).
func (h *hostProbe) cpuid(r *hostReader) (cpuidInfo, error) {
	if path.Clean(r.root) == "/" {
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
