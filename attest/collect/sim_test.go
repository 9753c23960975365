package collect_test

import (
	"testing"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/attest/collect"
	"github.com/sovbench/sovbench/attest/collect/collecttest"
)

func TestSimulatorRoundTrip(t *testing.T) {
	for _, sb := range []bool{true, false} {
		name := map[bool]string{true: "secure boot on is verified and reported", false: "secure boot off is verified and reported"}[sb]
		t.Run(name, func(t *testing.T) {
			req := collecttest.Request(t, "host evidence")
			d := collecttest.Simulator(t, req, sb)
			if !d.Simulated || d.Kind != collect.KindSimulator {
				t.Fatalf("simulator evidence not labelled simulated: kind %q simulated %v", d.Kind, d.Simulated)
			}
			o := collecttest.Options(req)
			o.AllowUnverifiedEK = true
			o.RequireEventLog = true
			o.Roots = attest.BundledRoots()
			p, err := attest.Verify(d, o)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if c, _, why := p.Classify(nil); c != attest.ClassSoftware || why == "" {
				t.Errorf("simulator is %s (%s), want software", c, why)
			}
			if e := p.Endorsement; len(e.Chains) != 0 || e.Unverified != "the TPM has no EK certificate in NV" {
				t.Errorf("simulator EK verified without a certificate: %+v", e)
			}
			if p.Boot == nil || !p.Boot.SecureBoot().Known || p.Boot.SecureBoot().Enabled != sb {
				t.Errorf("boot state %+v, want secure boot %v", p.Boot, sb)
			}
			if p.PCRs.Len() != 24 {
				t.Errorf("%d PCRs verified, want 24", p.PCRs.Len())
			}
			t.Logf("manufacturer %+v vendor %q firmware %s clock %+v", d.Manufacturer, d.VendorInfo, d.Firmware, p.Clock)
		})
	}
}
