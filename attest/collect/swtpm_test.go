package collect_test

import (
	"errors"
	"testing"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/attest/collect"
	"github.com/sovbench/sovbench/attest/collect/collecttest"
	"github.com/sovbench/sovbench/attest/swtpm/swtpmtest"
)

func TestSwtpmIntegration(t *testing.T) {
	inst := swtpmtest.Start(t)
	req := collecttest.Request(t, "swtpm evidence")
	d := collecttest.Swtpm(t, inst, req)

	t.Run("evidence is labelled swtpm and simulated", func(t *testing.T) {
		if d.Kind != collect.KindSwtpm || !d.Simulated {
			t.Fatalf("kind %q simulated %v", d.Kind, d.Simulated)
		}
		if d.Manufacturer.ASCII != "IBM" || len(d.EKs) < 2 || len(d.EKs[0].Certificate) == 0 {
			t.Fatalf("manufacturer %+v, %d EKs", d.Manufacturer, len(d.EKs))
		}
	})
	t.Run("EK chains to the swtpm local CA, which is a software root", func(t *testing.T) {
		o := collecttest.Options(req)
		o.Roots = collecttest.SwtpmRoots(t, inst)
		o.RequireEventLog = true
		p, err := attest.Verify(d, o)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		c, chain, why := p.Classify(nil)
		if c != attest.ClassSoftware || chain == nil || chain.Root.Kind != attest.RootSoftware {
			t.Fatalf("class %s (%s), chain %+v", c, why, chain)
		}
		if !p.Boot.SecureBoot().Known || !p.Boot.SecureBoot().Enabled {
			t.Fatalf("secure boot %+v", p.Boot.SecureBoot())
		}
		t.Logf("vendor %q: %s", d.VendorInfo, why)
	})
	t.Run("EK certificate from an unknown root is rejected", func(t *testing.T) {
		o := collecttest.Options(req)
		o.Roots = attest.BundledRoots()
		_, err := attest.Verify(d, o)
		var ek *attest.EKChainError
		if !errors.As(err, &ek) {
			t.Fatalf("got %v, want *EKChainError", err)
		}
	})
	t.Run("EK certificate of another swtpm's CA is rejected", func(t *testing.T) {
		other := swtpmtest.Start(t)
		o := collecttest.Options(req)
		o.Roots = collecttest.SwtpmRoots(t, other)
		_, err := attest.Verify(d, o)
		var ek *attest.EKChainError
		if !errors.As(err, &ek) {
			t.Fatalf("got %v, want *EKChainError", err)
		}
	})
}
