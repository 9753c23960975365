package probes

import (
	"fmt"
	"strings"
)

// The jurisdiction kind's name and version.
const (
	JurisdictionName    = "jurisdiction"
	JurisdictionVersion = "1.0.0"
)

// JurisdictionParams names the operator of record whose chain of control the
// probe looks up in the operator registry.
type JurisdictionParams struct {
	Operator string `yaml:"operator" json:"operator"`
}

// Kind is "jurisdiction".
func (p *JurisdictionParams) Kind() string { return JurisdictionName }

// Validate checks that the operator is in the operator registry.
func (p *JurisdictionParams) Validate() error {
	if p.Operator == "" {
		return fmt.Errorf("jurisdiction: operator is required")
	}
	reg, err := loadRegistry()
	if err != nil {
		return err
	}
	if reg.find(p.Operator) == nil {
		return fmt.Errorf("jurisdiction: operator %q is not in the registry (known: %s)", p.Operator, strings.Join(reg.names(), ", "))
	}
	return nil
}
