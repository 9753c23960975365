package seed_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/lab"
	"github.com/sovbench/sovbench/lab/seed"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/probes/host"
	"github.com/sovbench/sovbench/results"
)

// TestHostFixturesMatchGroundTruth needs no lab: WriteLab writes every
// host's fixture tree where the lab file names it, and the host probe,
// reading it as that lab host's root, finds the identity lab.yaml states.
func TestHostFixturesMatchGroundTruth(t *testing.T) {
	dir := t.TempDir()
	topo, err := seed.WriteLab(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range topo.Providers {
		if seed.QAOnly(p) {
			continue // the location QA's hosts claim no platform (#17)
		}
		t.Run(p.Name+" shows its platform", func(t *testing.T) {
			h := p.Hosts[0]
			if !strings.HasPrefix(h.Fixture, filepath.Join(dir, "hosts")+"/") {
				t.Fatalf("fixture %q is not under %s", h.Fixture, dir)
			}
			if _, err := os.Stat(filepath.Join(h.Fixture, host.CPUIDFixture)); err != nil {
				t.Fatalf("the CPUID fixture was not written: %v", err)
			}
			pr, err := host.NewFixture(probes.DefaultHostParams(), h.Fixture)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := pr.Run(context.Background(), probes.Target{Name: p.Name, Kind: "lab"})
			if err != nil {
				t.Fatal(err)
			}
			checkIdentity(t, p, ev.Host)
		})
	}
}

// checkIdentity compares host evidence with the provider's identity facts:
// DMI sys_vendor, hypervisor vendor ("none" without one) and, when the
// metadata services were asked, the one flavour that answered ("none").
func checkIdentity(t *testing.T, p lab.Provider, d *results.HostDetails) {
	t.Helper()
	if d == nil {
		t.Fatalf("%s: no host details", p.Name)
	}
	if v, _ := d.DMIValue("sys_vendor"); v.Value != p.Facts["dmi_vendor"] {
		t.Errorf("%s: DMI sys_vendor %q (%s), ground truth %q", p.Name, v.Value, v.Source, p.Facts["dmi_vendor"])
	}
	hv := "none"
	if d.Hypervisor.Present {
		hv = d.Hypervisor.Vendor
	}
	if hv != p.Facts["hypervisor"] {
		t.Errorf("%s: hypervisor %q (%s), ground truth %q", p.Name, hv, d.Hypervisor.Source, p.Facts["hypervisor"])
	}
	if !d.MetadataQueried {
		return
	}
	answered := "none"
	for _, a := range d.Metadata {
		if a.Answered {
			answered = a.Flavor
		}
	}
	if answered != p.Facts["metadata"] {
		t.Errorf("%s: metadata answered by %q, ground truth %q (%+v)", p.Name, answered, p.Facts["metadata"], d.Metadata)
	}
}
