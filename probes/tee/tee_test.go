package tee_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	attesttee "github.com/sovbench/sovbench/attest/tee"
	"github.com/sovbench/sovbench/attest/tee/testsign"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/probes/tee"
	"github.com/sovbench/sovbench/results"
)

func fixtureProbe(t *testing.T, root string) probes.Probe {
	t.Helper()
	p, err := tee.New(probes.DefaultTEEParams())
	if err != nil {
		t.Fatal(err)
	}
	fp, err := p.(probes.FixtureReader).WithFixture(root)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

// TestBoundReportOnALabHost: on a lab host with a TEE fixture, the report
// binds the nonce and digest it was bound to, and verifies to the
// fixture's test root.
func TestBoundReportOnALabHost(t *testing.T) {
	root := t.TempDir()
	s, err := testsign.Generate(filepath.Join(root, filepath.FromSlash(tee.FixtureDir)),
		testsign.Spec{Kind: results.TEESEVSNP, ChipID: bytes.Repeat([]byte{3}, 64), TCB: [4]uint8{3, 0, 14, 209}})
	if err != nil {
		t.Fatal(err)
	}
	p := fixtureProbe(t, root)
	nonce, digest := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	p.(probes.Binder).Bind(probes.QuoteBinding{VerifierNonce: nonce, VerifierSource: "remote", EvidenceDigest: digest})
	ev, err := p.Run(context.Background(), probes.Target{Name: "vm"})
	if err != nil || ev.Failure != nil || ev.TEE == nil {
		t.Fatalf("evidence %+v, %v", ev, err)
	}
	if ev.TEE.Source != "lab-fixture" || !ev.TEE.TestSigned || ev.TEE.Nonce.VerifierSource != "remote" {
		t.Errorf("TEE evidence %+v", ev.TEE)
	}
	roots := &attesttee.Roots{}
	roots.Add(s.Root, "fixture")
	if _, err := attesttee.Verify(ev.TEE, attesttee.Options{VerifierNonce: nonce, EvidenceDigest: digest, TestRoots: roots}); err != nil {
		t.Error(err)
	}
}

func TestLabHostWithoutTEE(t *testing.T) {
	ev, err := fixtureProbe(t, t.TempDir()).Run(context.Background(), probes.Target{Name: "vm"})
	if err != nil || ev.Failure == nil || ev.TEE != nil {
		t.Fatalf("evidence %+v, %v; want a recorded failure", ev, err)
	}
	if !strings.Contains(ev.Failure.Message, "no TEE") {
		t.Errorf("failure %+v does not say there is no TEE", ev.Failure)
	}
}

func TestParams(t *testing.T) {
	p := probes.DefaultTEEParams()
	p.Interface = "sgx"
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "interface") {
		t.Errorf("interface sgx: %v", err)
	}
	p = probes.DefaultTEEParams()
	p.FetchTimeout = 0
	if err := p.Validate(); err == nil {
		t.Error("fetch_timeout 0 accepted")
	}
}
