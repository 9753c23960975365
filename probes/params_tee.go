package probes

import (
	"fmt"
	"time"
)

// The tee kind's name and version.
const (
	TEEName    = "tee"
	TEEVersion = "1.0.0"
)

// TEE interfaces a tee probe may be pinned to (TEEParams.Interface).
var teeInterfaces = []string{"", "configfs-tsm", "sev-guest", "tdx-guest"}

// TEEParams configures the confidential-VM attestation probe (AMD SEV-SNP,
// Intel TDX). The step's timeout bounds the whole collection.
type TEEParams struct {
	// Interface is "" (configfs-tsm if the kernel has it, else
	// /dev/sev-guest, else /dev/tdx_guest), or one of "configfs-tsm",
	// "sev-guest", "tdx-guest".
	Interface string `yaml:"interface" json:"interface,omitempty"`
	// CertCache is a directory of SEV-SNP certificates on the target
	// (vcek.pem, vlek.pem, ask.pem, ark.pem or AMD's cert_chain.pem), read
	// when the extended report carries none.
	CertCache string `yaml:"cert_cache" json:"cert_cache,omitempty"`
	// FetchCollateral lets the target fetch what is missing over the
	// network: the VCEK chain from AMD's KDS, TDX collateral from Intel's
	// PCS. Off by default; for real use only, never in tests or the lab.
	FetchCollateral bool `yaml:"fetch_collateral" json:"fetch_collateral,omitempty"`
	// FetchTimeout bounds each fetch (default 10s).
	FetchTimeout time.Duration `yaml:"fetch_timeout" json:"fetch_timeout,omitempty"`
}

// DefaultTEEParams returns the parameters a suite gets when it sets none.
func DefaultTEEParams() TEEParams { return TEEParams{FetchTimeout: 10 * time.Second} }

// Kind is "tee".
func (p *TEEParams) Kind() string { return TEEName }

// Validate checks the parameters.
func (p *TEEParams) Validate() error {
	ok := false
	for _, i := range teeInterfaces {
		ok = ok || p.Interface == i
	}
	if !ok {
		return fmt.Errorf("interface %q is not configfs-tsm, sev-guest or tdx-guest (or empty for the first present)", p.Interface)
	}
	if p.FetchTimeout <= 0 {
		return fmt.Errorf("fetch_timeout %v must be positive", p.FetchTimeout)
	}
	return nil
}
