package attest

import (
	"context"
	"errors"
	"github.com/sovbench/sovbench/attest/swtpm/swtpmtest"
	"testing"
	"time"

	"github.com/sovbench/sovbench/attest/swtpm"
	"github.com/sovbench/sovbench/results"
)

// collectSwtpm boots inst with BootProfile and collects from it.
func collectSwtpm(t testing.TB, inst *swtpm.Instance, req Request) *results.TPMDetails {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dev, err := Open(ctx, inst.Spec())
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	log, err := dev.Measure(ctx, BootProfile("swtpm lab firmware", true, dbCert(t)))
	if err != nil {
		t.Fatal(err)
	}
	req.EventLog = log
	d, err := Collect(ctx, dev, req)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func swtpmRoots(t testing.TB, inst *swtpm.Instance) *RootStore {
	t.Helper()
	rs := NewRootStore()
	if err := rs.Load(true, inst.CACert, inst.IssuerCert); err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestSwtpmIntegration(t *testing.T) {
	inst := swtpmtest.Start(t)
	req := request(t, "swtpm evidence")
	d := collectSwtpm(t, inst, req)

	t.Run("evidence is labelled swtpm and simulated", func(t *testing.T) {
		if d.Kind != KindSwtpm || !d.Simulated {
			t.Fatalf("kind %q simulated %v", d.Kind, d.Simulated)
		}
		if d.Manufacturer.ASCII != "IBM" || len(d.EKs) < 2 || len(d.EKs[0].Certificate) == 0 {
			t.Fatalf("manufacturer %+v, %d EKs", d.Manufacturer, len(d.EKs))
		}
	})
	t.Run("EK chains to the swtpm local CA, which is a software root", func(t *testing.T) {
		o := opts(req)
		o.Roots = swtpmRoots(t, inst)
		o.RequireEventLog = true
		p, err := Verify(d, o)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if p.EK == nil || !p.EK.Software || p.Hardware {
			t.Fatalf("EK chain %+v hardware %v", p.EK, p.Hardware)
		}
		if !p.Boot.SecureBoot.Known || !p.Boot.SecureBoot.Enabled {
			t.Fatalf("secure boot %+v", p.Boot.SecureBoot)
		}
		t.Logf("vendor %q root %q not hardware: %s", d.VendorInfo, p.EK.Root, p.NotHardware)
	})
	t.Run("EK certificate from an unknown root is rejected", func(t *testing.T) {
		o := opts(req)
		o.Roots = GCERoots()
		_, err := Verify(d, o)
		var ek *EKChainError
		if !errors.As(err, &ek) {
			t.Fatalf("got %v, want *EKChainError", err)
		}
	})
	t.Run("EK certificate of another swtpm's CA is rejected", func(t *testing.T) {
		other := swtpmtest.Start(t)
		o := opts(req)
		o.Roots = swtpmRoots(t, other)
		_, err := Verify(d, o)
		var ek *EKChainError
		if !errors.As(err, &ek) {
			t.Fatalf("got %v, want *EKChainError", err)
		}
	})
}
