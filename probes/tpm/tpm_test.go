package tpm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

func newTPMFromYAML(t *testing.T, src string) probes.Probe {
	t.Helper()
	p, err := newTPM(func(v any) error {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(src), &n); err != nil {
			return err
		}
		if len(n.Content) == 0 {
			return nil
		}
		return n.Content[0].Decode(v)
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTPMProbe(t *testing.T) {
	t.Run("the simulator yields verified, simulated evidence bound to the digest it was given", func(t *testing.T) {
		p := newTPMFromYAML(t, "tpm: simulator\nboot_profile: secure-boot-on\n")
		b := probes.QuoteBinding{VerifierNonce: make([]byte, 32), VerifierSource: "harness", EvidenceDigest: make([]byte, 32)}
		b.VerifierNonce[0], b.EvidenceDigest[0] = 1, 2
		p.(probes.Binder).Bind(b)
		ev, err := p.Run(context.Background(), probes.Target{Name: "local"})
		if err != nil {
			t.Fatal(err)
		}
		if ev.Failure != nil || ev.TPM == nil {
			t.Fatalf("failure %v, details %v", ev.Failure, ev.TPM)
		}
		if !ev.TPM.Simulated {
			t.Fatal("simulator evidence not labelled simulated")
		}
		pl, err := attest.Verify(ev.TPM, attest.Options{VerifierNonce: b.VerifierNonce, EvidenceDigest: b.EvidenceDigest, AllowUnverifiedEK: true, RequireEventLog: true})
		if err != nil {
			t.Fatal(err)
		}
		if c, _, _ := pl.Classify(nil); !pl.Boot.SecureBoot().Known || !pl.Boot.SecureBoot().Enabled || c == attest.ClassHardware {
			t.Fatalf("platform %+v boot %+v", pl, pl.Boot)
		}
	})
	t.Run("an unbound probe quotes a harness nonce and records that it bound no evidence", func(t *testing.T) {
		p := newTPMFromYAML(t, "tpm: simulator\n")
		ev, err := p.Run(context.Background(), probes.Target{Name: "local"})
		if err != nil {
			t.Fatal(err)
		}
		if ev.Failure != nil || ev.TPM == nil {
			t.Fatalf("failure %v, details %v", ev.Failure, ev.TPM)
		}
		unbound := sha256.Sum256([]byte("sovbench: quote bound to no other evidence"))
		if n := ev.TPM.Nonce; n.VerifierSource != "harness" || len(n.Verifier) != 32 || !bytes.Equal(n.EvidenceDigest, unbound[:]) {
			t.Fatalf("nonce %+v", n)
		}
		if len(ev.Observations) == 0 || !strings.Contains(ev.Observations[0].Note, "no evidence binding") {
			t.Fatalf("observations %+v do not say the quote binds no evidence", ev.Observations)
		}
	})
	t.Run("a missing TPM device is recorded as not_found, not returned", func(t *testing.T) {
		p := newTPMFromYAML(t, "tpm: /nonexistent/tpmrm9\n")
		ev, err := p.Run(context.Background(), probes.Target{Name: "local"})
		if err != nil {
			t.Fatal(err)
		}
		if ev.Failure == nil || ev.Failure.Class != results.ClassNotFound || ev.TPM != nil {
			t.Fatalf("failure %v", ev.Failure)
		}
	})
	t.Run("an unknown boot profile is a parameter error", func(t *testing.T) {
		if _, err := newTPM(func(v any) error { v.(*probes.TPMParams).BootProfile = "secure-boot-maybe"; return nil }); err == nil {
			t.Fatal("accepted an unknown boot profile")
		}
	})
}

// newTPM builds the probe from parameters decoded as a suite decodes them:
// the kind's defaults, then decode, then Validate.
func newTPM(decode probes.Decoder) (probes.Probe, error) {
	p, err := probes.DecodeParams(probes.TPMName, decode)
	if err != nil {
		return nil, err
	}
	return New(*p.(*probes.TPMParams))
}
