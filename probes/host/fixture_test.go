package host

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// TestHostReadsALabFixture checks that a lab host's fixture tree, given
// through the Go API (as the agent does for --lab-fixture), stands in for
// "/" and CPUID, and that the evidence says it came from a fixture.
func TestHostReadsALabFixture(t *testing.T) {
	cases := []struct {
		name, platform string
		wantOperator   string
	}{
		{"the GCE fixture stands in for /", "gce", probes.OpGoogle},
		{"the Azure fixture stands in for /", "azure", probes.OpMicrosoft},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := fixtureRoot(t, c.platform)
			pr, err := NewFixture(probes.DefaultHostParams(), root)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := pr.Run(context.Background(), probes.Target{Name: "t", Kind: "lab"})
			if err != nil {
				t.Fatal(err)
			}
			d := ev.Host
			if d.Operator.Name != c.wantOperator {
				t.Errorf("operator %s, want %s", d.Operator.Name, c.wantOperator)
			}
			// Sources name the host's own paths, never the fixture's place
			// on the lab machine (it would end up in signed reports).
			v, ok := d.DMIValue("sys_vendor")
			if !ok || v.Source != "/sys/class/dmi/id/sys_vendor" {
				t.Errorf("sys_vendor read from %q, want /sys/class/dmi/id/sys_vendor", v.Source)
			}
			if !strings.HasPrefix(d.Hypervisor.Source, "/"+CPUIDFixture) {
				t.Errorf("hypervisor signal from %q, want the CPUID fixture /%s", d.Hypervisor.Source, CPUIDFixture)
			}
			for _, o := range ev.Observations {
				if strings.Contains(o.Address, root) {
					t.Errorf("observation %s %s names the fixture's place %s", o.Operation, o.Address, root)
				}
			}
			if len(ev.Observations) == 0 {
				t.Fatal("no observations")
			}
			for _, o := range ev.Observations {
				if o.Note != FixtureNote {
					t.Errorf("observation %s %s has note %q, want %q", o.Operation, o.Address, o.Note, FixtureNote)
				}
			}
		})
	}
}

func TestHostFixtureMustNotBeTheRealRoot(t *testing.T) {
	for _, root := range []string{"", "/", "//", "/."} {
		if _, err := NewFixture(probes.DefaultHostParams(), root); err == nil {
			t.Errorf("NewFixture(%q) was accepted: a fixture root must not be the real root", root)
		}
	}
}

// plantedCPUID claims a hypervisor and CPU that no real machine reports.
const plantedCPUID = "hypervisor_bit: 1\nhypervisor_signature: PLANTED\nvendor: PlantedVendor\nbrand: Planted CPU 9000\n"

// checkNotPlanted fails if the evidence shows anything of plantedCPUID or
// any read of a CPUID fixture, or claims to come from a fixture.
func checkNotPlanted(t *testing.T, ev results.Evidence) {
	t.Helper()
	d := ev.Host
	if d.Hypervisor.Signature == "PLANTED" || strings.Contains(d.Hypervisor.Source, CPUIDFixture) {
		t.Errorf("hypervisor %+v came from the planted file", d.Hypervisor)
	}
	if d.CPU.Vendor == "PlantedVendor" || d.CPU.Model == "Planted CPU 9000" || strings.Contains(d.CPU.Source, CPUIDFixture) {
		t.Errorf("CPU %+v came from the planted file", d.CPU)
	}
	for _, o := range ev.Observations {
		if strings.Contains(o.Address, ".sovbench") || o.Note == FixtureNote {
			t.Errorf("observation %s %s (note %q): the probe of the real machine looked at a fixture", o.Operation, o.Address, o.Note)
		}
	}
}

// A probe of the machine it runs on never reads a CPUID fixture file, even
// one planted at the root it reads: CPUID comes from the instruction.
func TestHostIgnoresACPUIDFilePlantedOnTheRealRoot(t *testing.T) {
	planted := fstest.MapFS{
		".sovbench/cpuid":           {Data: []byte(plantedCPUID)},
		"proc/sys/kernel/osrelease": {Data: []byte("6.1.0-planted\n")},
	}
	pr := newHostAt(t, probes.DefaultHostParams(), "")
	pr.(*hostProbe).fsys = planted
	ev, err := pr.Run(context.Background(), probes.Target{Name: "t", Kind: "local"})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Host.Kernel.Value != "6.1.0-planted" {
		t.Fatalf("kernel %+v: the probe did not read the planted tree at all", ev.Host.Kernel)
	}
	checkNotPlanted(t, ev)
}

// The same with a file really planted at /.sovbench/cpuid of this machine
// (root only; left alone if something already lives there).
func TestHostIgnoresACPUIDFilePlantedAtSlash(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("planting /.sovbench/cpuid needs root")
	}
	dir := filepath.Join("/", filepath.Dir(CPUIDFixture))
	if _, err := os.Lstat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s exists on this machine; not touching it", dir)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join("/", CPUIDFixture), []byte(plantedCPUID), 0o644); err != nil {
		t.Fatal(err)
	}
	d, ev := runHost(t, probes.DefaultHostParams(), "", nil)
	if d.Kernel.Source != "/proc/sys/kernel/osrelease" {
		t.Fatalf("kernel read from %q, want this machine's", d.Kernel.Source)
	}
	checkNotPlanted(t, ev)
}
