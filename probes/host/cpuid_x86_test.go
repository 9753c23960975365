//go:build amd64 || 386

package host

import (
	"strings"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// The agent's own CPUID reader says what the klauspost/cpuid library (the
// agent's reader before, now too costly at start-up) says on this machine.
func TestLiveCPUIDAgreesWithTheCPUIDLibrary(t *testing.T) {
	got := liveCPUID()
	c := cpuid.CPU
	want := cpuidInfo{Known: true, HypervisorBit: c.VM(), Vendor: c.VendorString, Brand: strings.TrimSpace(c.BrandName), Source: "cpuid"}
	if want.HypervisorBit {
		want.Signature = c.HypervisorVendorString
	}
	if got != want {
		t.Errorf("liveCPUID() = %+v, the library reads %+v", got, want)
	}
	if got.Vendor == "" {
		t.Error("no vendor string read")
	}
}

func TestRegStringStopsAtTheFirstNUL(t *testing.T) {
	// "KVMKVMKVM\0\0\0" as leaf 0x40000000 returns it in EBX, ECX, EDX.
	if got := regString(0x4b4d564b, 0x564b4d56, 0x0000004d); got != "KVMKVMKVM" {
		t.Errorf("regString = %q, want KVMKVMKVM", got)
	}
}
