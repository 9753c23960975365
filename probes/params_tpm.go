package probes

import (
	"fmt"
)

// The tpm kind's name and version.
const (
	TPMName    = "tpm"
	TPMVersion = "1.0.0"
)

// TPMParams configures the TPM attestation probe. It has no timeout of its
// own: the step's timeout bounds the whole collection.
type TPMParams struct {
	// TPM is what collect.Open opens: "" (/dev/tpmrm0 then /dev/tpm0),
	// "swtpm://127.0.0.1:2321" or "simulator" (always labelled simulated).
	TPM string `yaml:"tpm" json:"tpm,omitempty"`
	// EventLog overrides the measured-boot log path.
	EventLog string `yaml:"event_log" json:"event_log,omitempty"`
	// BootProfile plays a synthetic measured boot into a swtpm or the
	// simulator before quoting: "secure-boot-on" or "secure-boot-off". Only
	// for fresh software TPMs (the lab, the demo); refused for devices.
	BootProfile string `yaml:"boot_profile" json:"boot_profile,omitempty"`
}

// DefaultTPMParams returns the parameters a suite gets when it sets none.
func DefaultTPMParams() TPMParams { return TPMParams{} }

// Kind is "tpm".
func (p *TPMParams) Kind() string { return TPMName }

// Validate checks the parameters.
func (p *TPMParams) Validate() error {
	switch p.BootProfile {
	case "", "secure-boot-on", "secure-boot-off":
	default:
		return fmt.Errorf("boot_profile %q is not secure-boot-on or secure-boot-off", p.BootProfile)
	}
	return nil
}
