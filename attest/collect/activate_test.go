package collect_test

import (
	"context"
	"testing"
	"time"

	"github.com/sovbench/sovbench/attest/collect"
	"github.com/sovbench/sovbench/attest/collect/collecttest"
	"github.com/sovbench/sovbench/attest/swtpm/swtpmtest"
)

func TestActivationFailsForAnAKOfAnotherTPM(t *testing.T) {
	inst := swtpmtest.Start(t)
	unlock := collecttest.LockSimulator()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sim, err := collect.Open(ctx, collect.KindSimulator)
	if err != nil {
		unlock()
		t.Fatal(err)
	}
	simTPM, err := collect.OpenAttestation(sim)
	if err != nil {
		t.Fatal(err)
	}
	simEKs, err := simTPM.EKs()
	sim.Close()
	unlock()
	if err != nil {
		t.Fatal(err)
	}
	dev, err := collect.Open(ctx, inst.Spec())
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	tpm, err := collect.OpenAttestation(dev)
	if err != nil {
		t.Fatal(err)
	}
	eks, err := tpm.EKs()
	if err != nil {
		t.Fatal(err)
	}
	ak, err := tpm.NewAK(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ak.Close(tpm)
	if _, err := collect.ActivateWith(tpm, ak, eks[0], simEKs[0].Public); err == nil {
		t.Fatal("swtpm activated a credential encrypted to the simulator's EK")
	}
	if rec, err := collect.ActivateWith(tpm, ak, eks[0], eks[0].Public); err != nil || !rec.Activated {
		t.Fatalf("own EK: %v", err)
	}
}
