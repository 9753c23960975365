package probes

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/attest/collect"
	"github.com/sovbench/sovbench/results"
)

const (
	tpmName    = "tpm"
	tpmVersion = "1.0.0"
)

// TPMParams configures the TPM attestation probe.
type TPMParams struct {
	// TPM is what collect.Open opens: "" (/dev/tpmrm0 then /dev/tpm0),
	// "swtpm://127.0.0.1:2321" or "simulator" (always labelled simulated).
	TPM string `yaml:"tpm"`
	// EventLog overrides the measured-boot log path.
	EventLog string `yaml:"event_log"`
	// BootProfile plays a synthetic measured boot into a swtpm or the
	// simulator before quoting: "secure-boot-on" or "secure-boot-off". Only
	// for fresh software TPMs (the lab, the demo); refused for devices.
	BootProfile string `yaml:"boot_profile"`
	// Timeout bounds the whole collection (default 60s).
	Timeout time.Duration `yaml:"timeout"`
}

type tpmProbe struct {
	p     TPMParams
	bound *QuoteBinding
}

func newTPM(decode Decoder) (Probe, error) {
	p := TPMParams{Timeout: time.Minute}
	if err := decode(&p); err != nil {
		return nil, err
	}
	switch p.BootProfile {
	case "", "secure-boot-on", "secure-boot-off":
	default:
		return nil, fmt.Errorf("boot_profile %q is not secure-boot-on or secure-boot-off", p.BootProfile)
	}
	if p.Timeout <= 0 {
		return nil, fmt.Errorf("timeout %v must be positive", p.Timeout)
	}
	return &tpmProbe{p: p}, nil
}

func (t *tpmProbe) Name() string    { return tpmName }
func (t *tpmProbe) Version() string { return tpmVersion }

// Bind sets what the quote binds; the plan runner calls it once every
// other probe of the target has finished.
func (t *tpmProbe) Bind(b QuoteBinding) { t.bound = &b }

// binding returns what Bind set, or a harness nonce and a digest that binds
// nothing (recorded as such in an observation).
func (t *tpmProbe) binding() (QuoteBinding, string, error) {
	if t.bound != nil {
		return *t.bound, "", nil
	}
	n := make([]byte, 32)
	if _, err := rand.Read(n); err != nil {
		return QuoteBinding{}, "", fmt.Errorf("drawing verifier nonce: %w", err)
	}
	d := sha256.Sum256([]byte("sovbench: quote bound to no other evidence"))
	return QuoteBinding{VerifierNonce: n, VerifierSource: "harness", EvidenceDigest: d[:]},
		"no evidence binding given: the quote binds only a harness nonce", nil
}

// Run opens the TPM and collects attestation evidence. A missing TPM or a
// failing command is recorded as the evidence's failure, not returned.
func (t *tpmProbe) Run(ctx context.Context, tg Target) (results.Evidence, error) {
	b, note, err := t.binding()
	if err != nil {
		return results.Evidence{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, t.p.Timeout)
	defer cancel()
	rec := Begin(t, tg)
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
