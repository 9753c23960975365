package attest_test

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/attest/collect"
	"github.com/sovbench/sovbench/results"
)

// Fuzz targets for every parser of untrusted TPM data. `go test` runs the
// seed corpus; `go test -fuzz FuzzX ./attest` explores further.

func FuzzParseQuote(f *testing.F) {
	req := request(f, "fuzz quote")
	d := collectSim(f, req, true)
	f.Add(d.Quotes[0].Quote, d.Quotes[0].Signature)
	f.Add([]byte{0xff, 0x54, 0x43, 0x47, 0x80, 0x18}, []byte{0, 0x14, 0, 0x0b, 0, 0})
	ak, err := CheckAK(d)
	if err != nil {
		f.Fatal(err)
	}
	nonce := QuoteNonce(req.VerifierNonce, req.EvidenceDigest)
	pcrs := map[int][]byte{}
	for _, p := range d.PCRs {
		pcrs[p.Index] = p.Digest
	}
	f.Fuzz(func(t *testing.T, quote, sig []byte) {
		_, _ = ParseQuote(quote)
		_ = VerifyQuote(results.TPMQuote{Bank: "sha256", Quote: quote, Signature: sig}, ak.Public, ak.Hash, nonce, PCRsOf(pcrs))
	})
}

func FuzzEventLog(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "eventlogs", "*eventlog"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(EncodeEventLog(collect.BootProfile("fuzz", false, nil)))
	zeros := map[int][]byte{}
	for i := 0; i < 24; i++ {
		zeros[i] = make([]byte, sha256.Size)
	}
	zero := PCRsOf(zeros)
	f.Fuzz(func(t *testing.T, log []byte) {
		// Differential: the fast replayer must never accept a log that
		// go-attestation's replay rejects.
		if _, _, err := FastReplay(log, zero); err == nil {
			if _, _, gerr := GAReplay(log, zero); gerr != nil {
				t.Fatalf("fast replay accepted, go-attestation rejected: %v", gerr)
			}
		}
		if _, err := EventsFromLog(log); err != nil {
			return
		}
		_, _ = ReplayLog(log, zero, true)
	})
}

func FuzzCertificate(f *testing.F) {
	for _, p := range []string{"roots/gce/tpm_ek_root_1.cer", "roots/gce/gcp_ek_ak_ca_root.crt", "roots/gce/tpm_ek_intermediate_2.crt"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"))
	roots := BundledRoots()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte) {
		if certs, err := ParseCertificates(b); err == nil && len(certs) > 0 {
			_, _, _, _, _ = GCEInstance(certs[0])
		}
		_, _, _ = roots.VerifyCert(b, now)
	})
}

func FuzzVerify(f *testing.F) {
	req := request(f, "fuzz verify")
	d := collectSim(f, req, true)
	f.Add(d.AK.Public, d.AK.CreateAttestation, d.Quotes[0].Quote)
	o := opts(req)
	o.AllowUnverifiedEK = true
	f.Fuzz(func(t *testing.T, akPub, createAtt, quote []byte) {
		c := *d
		c.AK.Public, c.AK.CreateAttestation = akPub, createAtt
		c.Quotes = []results.TPMQuote{{Bank: "sha256", Quote: quote, Signature: d.Quotes[0].Signature}}
		if p, err := Verify(&c, o); err == nil && p == nil {
			t.Fatal("nil platform without an error")
		}
	})
}
