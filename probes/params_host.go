package probes

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The host kind's name and version.
const (
	HostName    = "host"
	HostVersion = "0.2.0"
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
// by the lab (see host.NewFixture).
type HostParams struct {
	// Metadata turns on the instance-metadata phase.
	Metadata bool `yaml:"metadata" json:"metadata,omitempty"`
	// MetadataURLs overrides the base URL of flavours (aws, gce, azure,
	// openstack, scaleway, hetzner, oracle); the others keep their real
	// link-local defaults.
	MetadataURLs map[string]string `yaml:"metadata_urls" json:"metadata_urls,omitempty"`
	// MetadataFlavors limits which flavours are asked (default: all).
	MetadataFlavors []string `yaml:"metadata_flavors" json:"metadata_flavors,omitempty"`
	// MetadataTimeout bounds the whole metadata phase (all flavours run
	// concurrently); MetadataRequestTimeout bounds each HTTP request.
	MetadataTimeout        time.Duration `yaml:"metadata_timeout" json:"metadata_timeout"`
	MetadataRequestTimeout time.Duration `yaml:"metadata_request_timeout" json:"metadata_request_timeout"`
}

// DefaultHostParams returns the parameters a suite gets when it sets none.
func DefaultHostParams() HostParams {
	return HostParams{MetadataTimeout: DefaultMetadataTimeout, MetadataRequestTimeout: DefaultMetadataRequestTimeout}
}

// Kind is "host".
func (p *HostParams) Kind() string { return HostName }

// Validate checks the parameters; errors name the field.
func (p *HostParams) Validate() error {
	var errs []error
	if !p.Metadata && (len(p.MetadataURLs) > 0 || len(p.MetadataFlavors) > 0) {
		errs = append(errs, errors.New("metadata_urls/metadata_flavors: set, but metadata is false (set metadata: true to query them)"))
	}
	for _, f := range slices.Sorted(mapKeys(p.MetadataURLs)) {
		if _, ok := IMDSFlavorNamed(f); !ok {
			errs = append(errs, fmt.Errorf("metadata_urls.%s: unknown flavour (known: %s)", f, flavorList()))
			continue
		}
		u, err := url.Parse(p.MetadataURLs[f])
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("metadata_urls.%s: %q is not an http(s) URL with a host", f, p.MetadataURLs[f]))
		}
	}
	for i, f := range p.MetadataFlavors {
		if _, ok := IMDSFlavorNamed(f); !ok {
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

// IMDSFlavor is one instance-metadata protocol as data: its name, its real
// link-local base URL and where the protocol is documented. How to ask it
// lives with the host probe (probes/host).
type IMDSFlavor struct {
	Name    string
	BaseURL string // the real link-local default
	Ref     string
}

// imdsFlavors lists every flavour, in report order.
var imdsFlavors = []IMDSFlavor{
	{"aws", "http://169.254.169.254", "AWS docs: IMDSv2 (PUT /latest/api/token)"},
	{"gce", "http://169.254.169.254", "GCE docs: metadata server, Metadata-Flavor: Google"},
	{"azure", "http://169.254.169.254", "Azure docs: Instance Metadata Service, Metadata: true"},
	{"openstack", "http://169.254.169.254", "OpenStack Nova metadata: /openstack/latest/meta_data.json"},
	{"scaleway", "http://169.254.42.42", "Scaleway docs: /conf?format=json"},
	{"hetzner", "http://169.254.169.254", "Hetzner Cloud docs: /hetzner/v1/metadata"},
	{"oracle", "http://169.254.169.254", "OCI docs: /opc/v2/ with Authorization: Bearer Oracle"},
}

// IMDSFlavors lists the flavour names, in report order.
func IMDSFlavors() []string {
	out := make([]string, len(imdsFlavors))
	for i, f := range imdsFlavors {
		out[i] = f.Name
	}
	return out
}

// IMDSFlavorNamed returns the flavour called name.
func IMDSFlavorNamed(name string) (IMDSFlavor, bool) {
	for _, f := range imdsFlavors {
		if f.Name == name {
			return f, true
		}
	}
	return IMDSFlavor{}, false
}

func flavorList() string { return strings.Join(IMDSFlavors(), ", ") }

// The operators the host-identity rules can name (probes/host). "OpenStack-based"
// is a family: an operator that refines it (OVHcloud) also collects its score.
const (
	OpGoogle    = "Google"
	OpAmazon    = "Amazon"
	OpMicrosoft = "Microsoft"
	OpOVH       = "OVHcloud"
	OpScaleway  = "Scaleway"
	OpHetzner   = "Hetzner"
	OpOracle    = "Oracle"
	OpOpenStack = "OpenStack-based"
	OpBareMetal = "bare metal"
	OpUnknown   = "unknown"
)
