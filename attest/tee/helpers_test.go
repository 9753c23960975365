package tee_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-sev-guest/abi"

	"github.com/sovbench/sovbench/attest/tee"
	"github.com/sovbench/sovbench/attest/tee/testsign"
	"github.com/sovbench/sovbench/results"
)

var (
	nonce  = bytes.Repeat([]byte{0x4e}, 32)
	digest = func() []byte { d := sha256.Sum256([]byte("evidence")); return d[:] }()
)

// opts are the Options a verifier of evidence made for nonce and digest
// passes, trusting roots as test roots.
func opts(roots ...*testsign.Signer) tee.Options {
	o := tee.Options{VerifierNonce: nonce, EvidenceDigest: digest, TestRoots: &tee.Roots{}}
	for _, s := range roots {
		o.TestRoots.Add(s.Root, "test-root-"+s.Spec.Kind)
	}
	return o
}

var (
	signersMu sync.Mutex
	signers   = map[string]*testsign.Signer{}
)

// signer returns a test signer for spec, generated once per name (RSA
// keys are slow) and written to a temporary directory, then loaded back.
func signer(t testing.TB, name string, spec testsign.Spec) *testsign.Signer {
	t.Helper()
	signersMu.Lock()
	defer signersMu.Unlock()
	if s, ok := signers[name]; ok {
		return s
	}
	dir := filepath.Join(t.TempDir(), name)
	if _, err := testsign.Generate(dir, spec); err != nil {
		t.Fatal(err)
	}
	s, err := testsign.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	signers[name] = s
	return s
}

func chip(b byte) []byte { return bytes.Repeat([]byte{b}, abi.ChipIDSize) }

func vcekSpec(chipByte byte) testsign.Spec {
	return testsign.Spec{Kind: results.TEESEVSNP, ChipID: chip(chipByte), TCB: [4]uint8{3, 0, 14, 209}, Measurement: bytes.Repeat([]byte{0xa1}, 48)}
}

// evidence signs report data for nonce and digest (or rd if given).
func evidence(t testing.TB, s *testsign.Signer, rd ...[64]byte) *results.TEEDetails {
	t.Helper()
	data := tee.ReportData(nonce, digest)
	if len(rd) > 0 {
		data = rd[0]
	}
	rep, certs, err := s.Report(data)
	if err != nil {
		t.Fatal(err)
	}
	return &results.TEEDetails{Kind: s.Spec.Kind, Source: "test", TestSigned: true, Report: rep, Certs: certs,
		Nonce: results.TPMNonce{Verifier: nonce, VerifierSource: "harness", EvidenceDigest: digest}}
}

// resign alters an SEV-SNP report with edit and signs it again with key,
// as a host holding the signing key (a test signer's) could.
func resign(t testing.TB, report []byte, key *ecdsa.PrivateKey, edit func(r []byte)) []byte {
	t.Helper()
	out := bytes.Clone(report)
	edit(out)
	h := crypto.SHA384.New()
	h.Write(abi.SignedComponent(out))
	r, s, err := ecdsa.Sign(rand.Reader, key, h.Sum(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := abi.SetSignature(r, s, out); err != nil {
		t.Fatal(err)
	}
	return out
}

func wantReason(t *testing.T, err error, reason string) {
	t.Helper()
	if got := tee.ReasonOf(err); got != reason {
		t.Fatalf("refused with reason %q (%v), want %q", got, err, reason)
	}
}
