package tpm

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/attest/collect"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

type tpmProbe struct {
	p     probes.TPMParams
	bound *probes.QuoteBinding
}

// New returns a tpm probe for validated parameters. It is a
// probes.Binder: bound, its quote binds the rest of the target's evidence.
func New(p probes.TPMParams) (probes.Probe, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &tpmProbe{p: p}, nil
}

func (t *tpmProbe) Name() string    { return probes.TPMName }
func (t *tpmProbe) Version() string { return probes.TPMVersion }

// Bind sets what the quote binds; the plan runner calls it once every
// other probe of the target has finished.
func (t *tpmProbe) Bind(b probes.QuoteBinding) { t.bound = &b }

// binding returns what Bind set, or a harness nonce and a digest that binds
// nothing (recorded as such in an observation).
func (t *tpmProbe) binding() (probes.QuoteBinding, string, error) {
	if t.bound != nil {
		return *t.bound, "", nil
	}
	n := make([]byte, 32)
	if _, err := rand.Read(n); err != nil {
		return probes.QuoteBinding{}, "", fmt.Errorf("drawing verifier nonce: %w", err)
	}
	d := sha256.Sum256([]byte("sovbench: quote bound to no other evidence"))
	return probes.QuoteBinding{VerifierNonce: n, VerifierSource: "harness", EvidenceDigest: d[:]},
		"no evidence binding given: the quote binds only a harness nonce", nil
}

// Run opens the TPM and collects attestation evidence. A missing TPM or a
// failing command is recorded as the evidence's failure, not returned.
func (t *tpmProbe) Run(ctx context.Context, tg probes.Target) (results.Evidence, error) {
	b, note, err := t.binding()
	if err != nil {
		return results.Evidence{}, err
	}
	rec := probes.Begin(t, tg)
	began := time.Now()
	dev, err := collect.Open(ctx, t.p.TPM)
	if f := rec.Observe("open", t.p.TPM, began, err, note); f != nil {
		return rec.Finish(func(ev *results.Evidence) { ev.Failure = f }), nil
	}
	defer dev.Close()
	if t.p.EventLog != "" {
		dev.EventLogPath = t.p.EventLog
	}
	req := collect.Request{VerifierNonce: b.VerifierNonce, VerifierSource: b.VerifierSource, EvidenceDigest: b.EvidenceDigest, Activate: b.Activate}
	if t.p.BootProfile != "" {
		began = time.Now()
		if dev.Kind == collect.KindDevice {
			err = fmt.Errorf("boot_profile is for software TPMs; %s is a device", dev.Source)
		} else {
			req.EventLog, err = dev.Measure(ctx, collect.BootProfile("sovbench "+dev.Kind+" firmware", t.p.BootProfile == "secure-boot-on", nil))
		}
		if f := rec.Observe("measure", dev.Source, began, err, t.p.BootProfile); f != nil {
			return rec.Finish(func(ev *results.Evidence) { ev.Failure = f }), nil
		}
	}
	began = time.Now()
	d, err := collect.Collect(ctx, dev, req)
	f := rec.Observe("attest", dev.Source, began, err, "nonce "+hex.EncodeToString(attest.QuoteNonce(b.VerifierNonce, b.EvidenceDigest)))
	return rec.Finish(func(ev *results.Evidence) {
		ev.TPM, ev.Failure = d, f
	}), nil
}
