package probes

import (
	"context"
	"strings"
	"testing"
)

// TestHostReadsTheTargetRoot checks how a target's own root (a lab host's
// fixture) and the probe's root parameter combine.
func TestHostReadsTheTargetRoot(t *testing.T) {
	gce, azure := fixtureRoot(t, "gce"), fixtureRoot(t, "azure")
	cases := []struct {
		name, paramRoot, targetRoot string
		wantOperator, wantUnder     string
	}{
		{"the target's root stands in for /", "/", gce, OpGoogle, gce},
		{"an explicit root wins over the target's", azure, gce, OpMicrosoft, azure},
		{"a target root of / is the real root", azure, "/", OpMicrosoft, azure},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := DefaultHostParams()
			p.Root = c.paramRoot
			pr, err := NewHost(p)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := pr.Run(context.Background(), Target{Name: "t", Kind: "lab", Root: c.targetRoot})
			if err != nil {
				t.Fatal(err)
			}
			d := ev.Host
			if d.Operator.Name != c.wantOperator {
				t.Errorf("operator %s, want %s", d.Operator.Name, c.wantOperator)
			}
			v, ok := d.DMIValue("sys_vendor")
			if !ok || !strings.HasPrefix(v.Source, c.wantUnder+"/") {
				t.Errorf("sys_vendor read from %q, want under %s", v.Source, c.wantUnder)
			}
			if !strings.Contains(d.Hypervisor.Source, c.wantUnder) {
				t.Errorf("hypervisor signal from %q, want the CPUID fixture under %s", d.Hypervisor.Source, c.wantUnder)
			}
		})
	}
}
