package tee

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/sovbench/sovbench/attest/tee/collect"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// FixtureDir is where a lab host's fixture tree keeps its TEE test signer.
const FixtureDir = ".sovbench/tee"

type teeProbe struct {
	p     probes.TEEParams
	bound *probes.QuoteBinding
	// fixture is the lab host's fixture root ("" on a real machine).
	fixture string
}

// New returns a tee probe for validated parameters.
func New(p probes.TEEParams) (probes.Probe, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &teeProbe{p: p}, nil
}

func (t *teeProbe) Name() string    { return probes.TEEName }
func (t *teeProbe) Version() string { return probes.TEEVersion }

// Bind sets what the report binds; the plan runner calls it once every
// other probe of the target has finished.
func (t *teeProbe) Bind(b probes.QuoteBinding) { t.bound = &b }

// WithFixture points the probe at a lab host's fixture tree: its TEE is
// the test signer under FixtureDir, or none.
func (t *teeProbe) WithFixture(root string) (probes.Probe, error) {
	if root == "" || path.Clean(root) == "/" {
		return nil, fmt.Errorf("lab fixture %q: want a fixture tree other than /", root)
	}
	return &teeProbe{p: t.p, bound: t.bound, fixture: root}, nil
}

// binding returns what Bind set, or a harness nonce and a digest that binds
// nothing (recorded as such in an observation).
func (t *teeProbe) binding() (probes.QuoteBinding, string, error) {
	if t.bound != nil {
		return *t.bound, "", nil
	}
	n := make([]byte, 32)
	if _, err := rand.Read(n); err != nil {
		return probes.QuoteBinding{}, "", fmt.Errorf("drawing verifier nonce: %w", err)
	}
	d := sha256.Sum256([]byte("sovbench: TEE report bound to no other evidence"))
	return probes.QuoteBinding{VerifierNonce: n, VerifierSource: "harness", EvidenceDigest: d[:]},
		"no evidence binding given: the report binds only a harness nonce", nil
}

// request is what collect needs: the lab's stand-in on a fixture host,
// the real interfaces otherwise.
func (t *teeProbe) request() (collect.Request, string) {
	if t.fixture != "" {
		dir := filepath.Join(t.fixture, filepath.FromSlash(FixtureDir))
		return collect.Request{Interface: collect.LabSigner, SignerDir: dir}, "lab fixture"
	}
	return collect.Request{Interface: t.p.Interface, CertCache: t.p.CertCache}, t.p.Interface
}

// Run collects the report. A host without a TEE, or a TEE that refuses, is
// recorded as the evidence's failure, not returned.
func (t *teeProbe) Run(ctx context.Context, tg probes.Target) (results.Evidence, error) {
	b, note, err := t.binding()
	if err != nil {
		return results.Evidence{}, err
	}
	rec := probes.Begin(t, tg)
	req, where := t.request()
	if req.Interface == collect.LabSigner {
		if _, err := os.Stat(req.SignerDir); err != nil {
			err = fmt.Errorf("lab host has no TEE fixture: %w", collect.ErrNoTEE)
			f := rec.Observe("report", where, time.Now(), err, note)
			return rec.Finish(func(ev *results.Evidence) { ev.Failure = f }), nil
		}
	}
	rd := collect.ReportData(b.VerifierNonce, b.EvidenceDigest)
	began := time.Now()
	d, err := collect.Collect(ctx, req, rd)
	if err == nil && t.p.FetchCollateral && t.fixture == "" {
		err = t.fetch(ctx, rec, d)
	}
	if d != nil {
		d.Nonce = results.TPMNonce{Verifier: b.VerifierNonce, VerifierSource: b.VerifierSource, EvidenceDigest: b.EvidenceDigest}
	}
	if note == "" {
		note = "report data " + hex.EncodeToString(rd[:32])
	}
	f := rec.Observe("report", where, began, err, note)
	return rec.Finish(func(ev *results.Evidence) {
		ev.TEE, ev.Failure = d, f
		if f != nil {
			ev.TEE = nil
		}
	}), nil
}
