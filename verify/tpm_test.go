package verify

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sovbench/sovbench/attest/collect"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/sign"
)

// addTPM appends to rep, for its first target, TPM evidence collected from
// the in-process TPM simulator with nonce SHA-256(verifier ‖
// EvidenceDigest(rep, target)), as the tpm probe binds it.
func addTPM(t testing.TB, rep *results.Report) {
	t.Helper()
	verifier := make([]byte, 32)
	rand.Read(verifier)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	simMu.Lock()
	defer simMu.Unlock()
	dev, err := collect.Open(ctx, collect.KindSimulator)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	target := rep.Targets[0].Name
	d, err := collect.Collect(ctx, dev, collect.Request{VerifierNonce: verifier, EvidenceDigest: results.EvidenceDigest(rep, target)})
	if err != nil {
		t.Fatal(err)
	}
	rep.Evidence = append(rep.Evidence, results.Evidence{
		ID: target + "/tpm", Probe: "tpm", ProbeVersion: "1", Target: target, Start: rep.Started, TPM: d,
	})
}

// simMu serialises the simulator: it holds process-wide state.
var simMu sync.Mutex

func TestTPMBinding(t *testing.T) {
	k := newKey(t, sign.KeyEd25519)
	v := &Verifier{Keys: []*sign.PublicKey{k.Public()}}
	cases := []struct {
		name   string
		mutate func(r *results.Report)
		detail string // "" when the report must verify
	}{
		{name: "a quote whose nonce commits to the report's evidence verifies"},
		{name: "evidence changed after the quote breaks the binding", detail: "quote was made for evidence digest",
			mutate: func(r *results.Report) { r.Evidence[0].Duration++ }},
		{name: "another target's evidence is not what the quote binds", mutate: func(r *results.Report) { r.Evidence[1].Duration++ }},
		{name: "a quote made for another nonce is caught", detail: "verifying TPM evidence",
			mutate: func(r *results.Report) { r.Evidence[len(r.Evidence)-1].TPM.Nonce.Verifier[0] ^= 1 }},
		{name: "a record without a quote is caught", detail: "no quote",
			mutate: func(r *results.Report) { r.Evidence[len(r.Evidence)-1].TPM.Quotes = nil }},
		{name: "a quote that is not a TPMS_ATTEST is caught", detail: "verifying TPM evidence",
			mutate: func(r *results.Report) { r.Evidence[len(r.Evidence)-1].TPM.Quotes[0].Quote = []byte("junk") }},
		{name: "a quote signature that does not verify is caught", detail: "verifying TPM evidence",
			mutate: func(r *results.Report) { r.Evidence[len(r.Evidence)-1].TPM.Quotes[0].Signature[20] ^= 1 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := runReport(t)
			addTPM(t, rep)
			if tc.mutate != nil {
				tc.mutate(rep)
			}
			res := v.Envelope(context.Background(), "r", signed(t, rep, k))
			if tc.detail == "" {
				if !res.OK() {
					t.Fatal(res.Err())
				}
				return
			}
			f := res.Failures()
			if len(f) != 1 || f[0].Name != CheckTPM || !strings.Contains(f[0].Detail, tc.detail) {
				t.Fatalf("failures %v, want one tpm failure containing %q", f, tc.detail)
			}
		})
	}
}
