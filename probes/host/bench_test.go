package host

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// BenchmarkHostProbeFixture measures one whole host probe run over a fixture
// tree with metadata off: the cost of the file reads, virt detection and the
// operator rules.
func BenchmarkHostProbeFixture(b *testing.B) {
	pr, err := NewFixture(probes.DefaultHostParams(), filepath.Join("testdata", "hosts", "azure"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pr.Run(context.Background(), probes.Target{Name: "b"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGuessOperator measures the rule table alone on Azure-like details.
func BenchmarkGuessOperator(b *testing.B) {
	d := &results.HostDetails{
		DMI:        []results.Claimed{{Name: "sys_vendor", Value: "Microsoft Corporation"}, {Name: "chassis_asset_tag", Value: "7783-7084-3265-9085-8269-3286-77"}},
		Hypervisor: results.Hypervisor{Present: true, Signature: "Microsoft Hv", Source: "cpuid"},
		NICs:       []results.NIC{{Name: "eth0", Vendor: "Microsoft"}},
		Resolvers:  []results.Claimed{{Name: "nameserver", Value: "168.63.129.16"}},
	}
	b.ReportAllocs()
	for b.Loop() {
		GuessOperator(d)
	}
}

func ExampleGuessOperator() {
	d := &results.HostDetails{
		DMI:       []results.Claimed{{Name: "sys_vendor", Value: "Hetzner", Source: "/sys/class/dmi/id/sys_vendor"}},
		Resolvers: []results.Claimed{{Name: "nameserver", Value: "185.12.64.1", Source: "/etc/resolv.conf:1"}},
	}
	g := GuessOperator(d)
	fmt.Println(g.Name, g.Confidence)
	for _, h := range g.Rules {
		fmt.Println(h.Rule, h.Value, h.Source)
	}
	// Output:
	// Hetzner medium
	// hetzner-dmi-vendor Hetzner /sys/class/dmi/id/sys_vendor
	// hetzner-resolver 185.12.64.1 /etc/resolv.conf:1
}
