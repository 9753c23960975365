package verify

import (
	"bytes"
	"context"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/google/go-tpm/tpm2"

	"github.com/sovbench/sovbench/results"
)

// addTPM appends to rep, for its first target, a TPM record whose quote
// (a TPMS_ATTEST as a TPM writes it) carries nonce SHA-256(verifier ‖
// EvidenceDigest(rep)). The quote is not signed: see TPMBinding.
func addTPM(t testing.TB, rep *results.Report) {
	t.Helper()
	verifier := make([]byte, 32)
	rand.Read(verifier)
	digest := results.EvidenceDigest(rep)
	att := tpm2.TPMSAttest{
		Magic: tpm2.TPMGeneratedValue, Type: tpm2.TPMSTAttestQuote,
		QualifiedSigner: tpm2.TPM2BName{Buffer: bytes.Repeat([]byte{0xab}, 34)},
		ExtraData:       tpm2.TPM2BData{Buffer: quoteNonce(verifier, digest)},
		ClockInfo:       tpm2.TPMSClockInfo{Clock: 1 << 60, ResetCount: 3, Safe: true},
		FirmwareVersion: 0x2000_0000_0000_1234,
		Attested: tpm2.NewTPMUAttest(tpm2.TPMSTAttestQuote, &tpm2.TPMSQuoteInfo{
			PCRSelect: tpm2.TPMLPCRSelection{PCRSelections: []tpm2.TPMSPCRSelection{{Hash: tpm2.TPMAlgSHA256, PCRSelect: []byte{0xff, 0xff, 0xff}}}},
			PCRDigest: tpm2.TPM2BDigest{Buffer: bytes.Repeat([]byte{0x11}, 32)},
		}),
	}
	target := rep.Targets[0].Name
	rep.Evidence = append(rep.Evidence, results.Evidence{
		ID: target + "/tpm", Probe: "tpm", ProbeVersion: "1", Target: target, Start: rep.Started,
		TPM: &results.TPMDetails{
			Source: "simulator", Kind: "simulator", Simulated: true,
			Nonce:  results.TPMNonce{Verifier: verifier, VerifierSource: "harness", EvidenceDigest: digest},
			Quotes: []results.TPMQuote{{Bank: "sha256", Quote: tpm2.Marshal(att), Signature: []byte{1, 2, 3}}},
			Clock:  results.TPMClock{ClockMS: 1 << 60},
		},
	})
}

func TestTPMBinding(t *testing.T) {
	k := newKey(t, results.KeyEd25519)
	v := &Verifier{Keys: []*results.PublicKey{k.Public()}}
	cases := []struct {
		name   string
		mutate func(r *results.Report)
		detail string // "" when the report must verify
	}{
		{name: "a quote whose nonce commits to the report's evidence verifies"},
		{name: "evidence changed after the quote breaks the binding", detail: "quote was made for evidence digest",
			mutate: func(r *results.Report) { r.Evidence[0].Duration++ }},
		{name: "a quote made for another nonce is caught", detail: "qualifying data",
			mutate: func(r *results.Report) { r.Evidence[len(r.Evidence)-1].TPM.Nonce.Verifier[0] ^= 1 }},
		{name: "a record without a quote is caught", detail: "no quote",
			mutate: func(r *results.Report) { r.Evidence[len(r.Evidence)-1].TPM.Quotes = nil }},
		{name: "a quote that is not a TPMS_ATTEST is caught", detail: "decoding quotes[0]",
			mutate: func(r *results.Report) { r.Evidence[len(r.Evidence)-1].TPM.Quotes[0].Quote = []byte("junk") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := runReport(t)
			addTPM(t, rep)
			if tc.mutate != nil {
				tc.mutate(rep)
			}
			res := v.Envelope(context.Background(), "r", sign(t, rep, k))
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
