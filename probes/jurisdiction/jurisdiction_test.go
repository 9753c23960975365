package jurisdiction

import (
	"context"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/probes"
)

func TestJurisdictionProbeRecordsTheRegistryFacts(t *testing.T) {
	p, err := New(probes.JurisdictionParams{Operator: "S3NS"})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := p.Run(context.Background(), probes.Target{Name: "h"})
	if err != nil {
		t.Fatal(err)
	}
	d := ev.Jurisdiction
	if d == nil || !d.Found || d.Chain[1].Name != "Thales" || !strings.Contains(d.TechnologyVendor, "Google") {
		t.Fatalf("details = %+v", d)
	}
	if _, err := New(probes.JurisdictionParams{Operator: "Nobody Inc"}); err == nil {
		t.Error("an operator missing from the registry was accepted")
	}
}
