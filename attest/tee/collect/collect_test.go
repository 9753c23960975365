package collect_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/attest/tee"
	"github.com/sovbench/sovbench/attest/tee/collect"
	"github.com/sovbench/sovbench/attest/tee/testsign"
	"github.com/sovbench/sovbench/results"
)

var (
	nonce  = bytes.Repeat([]byte{7}, 32)
	digest = func() []byte { d := sha256.Sum256([]byte("other evidence")); return d[:] }()
)

func genSigner(t *testing.T, spec testsign.Spec) (string, *testsign.Signer) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tee")
	s, err := testsign.Generate(dir, spec)
	if err != nil {
		t.Fatal(err)
	}
	return dir, s
}

var specs = []testsign.Spec{
	{Kind: results.TEESEVSNP, ChipID: bytes.Repeat([]byte{1}, 64), TCB: [4]uint8{3, 0, 14, 209}},
	{Kind: results.TEESEVSNP, VLEK: true, CSPID: "Google", TCB: [4]uint8{3, 0, 14, 209}},
	{Kind: results.TEETDX, Measurement: bytes.Repeat([]byte{9}, 48)},
}

// TestLabSignerThroughConfigFS: the lab's stand-in answers through the
// configfs-tsm code path real guests use, and what it returns verifies
// (attest/tee) against its test root only, for the REPORT_DATA asked.
func TestLabSignerThroughConfigFS(t *testing.T) {
	for _, spec := range specs {
		t.Run(spec.Kind, func(t *testing.T) {
			dir, s := genSigner(t, spec)
			rd := collect.ReportData(nonce, digest)
			if rd != tee.ReportData(nonce, digest) {
				t.Fatal("collect.ReportData is not the REPORT_DATA attest/tee verifies")
			}
			d, err := collect.Collect(context.Background(), collect.Request{Interface: collect.LabSigner, SignerDir: dir}, rd)
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != spec.Kind || d.Source != collect.LabSigner || !d.TestSigned {
				t.Errorf("evidence %s from %s (%s), test-signed %v", d.Kind, d.Source, d.Provider, d.TestSigned)
			}
			roots := &tee.Roots{}
			roots.Add(s.Root, "lab")
			p, err := tee.Verify(d, tee.Options{VerifierNonce: nonce, EvidenceDigest: digest, TestRoots: roots})
			if err != nil || !p.TestSigned {
				t.Fatalf("verify: %+v, %v", p, err)
			}
			if _, err := tee.Verify(d, tee.Options{VerifierNonce: nonce, EvidenceDigest: digest}); tee.ReasonOf(err) != tee.ReasonChain {
				t.Errorf("without its test root: %v, want a chain refusal", err)
			}
			if _, err := tee.Verify(d, tee.Options{VerifierNonce: digest, EvidenceDigest: nonce, TestRoots: roots}); tee.ReasonOf(err) != tee.ReasonReportData {
				t.Errorf("for another nonce: %v, want a report_data refusal", err)
			}
		})
	}
}

// TestStandInSignsOnlyWithItsKey: a stand-in whose key is not the one its
// certificates name makes reports the verifier refuses (the signature is
// checked, not assumed).
func TestStandInSignsOnlyWithItsKey(t *testing.T) {
	for _, spec := range specs {
		t.Run(spec.Kind, func(t *testing.T) {
			dir, s := genSigner(t, spec)
			_, other := genSigner(t, spec)
			in, err := s.StandIn()
			if err != nil {
				t.Fatal(err)
			}
			o, err := other.StandIn()
			if err != nil {
				t.Fatal(err)
			}
			in.Key = o.Key
			writeStandIn(t, dir, in)
			d, err := collect.Collect(context.Background(), collect.Request{Interface: collect.LabSigner, SignerDir: dir}, collect.ReportData(nonce, digest))
			if err != nil {
				t.Fatal(err)
			}
			roots := &tee.Roots{}
			roots.Add(s.Root, "lab")
			if _, err := tee.Verify(d, tee.Options{VerifierNonce: nonce, EvidenceDigest: digest, TestRoots: roots}); tee.ReasonOf(err) != tee.ReasonSignature {
				t.Errorf("signed with another key: %v, want a signature refusal", err)
			}
		})
	}
}

func writeStandIn(t *testing.T, dir string, in *collect.StandIn) {
	t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, collect.StandInFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestBadStandInIsRefused: a stand-in whose layout does not fit its
// template, or with unknown fields, is an error naming the file.
func TestBadStandInIsRefused(t *testing.T) {
	dir, s := genSigner(t, specs[0])
	in, err := s.StandIn()
	if err != nil {
		t.Fatal(err)
	}
	in.SignatureAt = len(in.Template)
	writeStandIn(t, dir, in)
	if _, err := collect.Collect(context.Background(), collect.Request{Interface: collect.LabSigner, SignerDir: dir}, [64]byte{}); err == nil || !strings.Contains(err.Error(), "do not fit") {
		t.Errorf("signature past the template: %v", err)
	}
	os.WriteFile(filepath.Join(dir, collect.StandInFile), []byte(`{"provider":"sev_guest","extra":1}`), 0o600)
	if _, err := collect.LoadStandIn(dir); err == nil || !strings.Contains(err.Error(), collect.StandInFile) {
		t.Errorf("unknown field: %v", err)
	}
}

func TestNoTEEOnThisHost(t *testing.T) {
	for _, p := range []string{collect.ConfigFSPath, "/dev/sev-guest", "/dev/tdx_guest"} {
		if _, err := os.Stat(p); err == nil {
			t.Skipf("this host has %s", p)
		}
	}
	_, err := collect.Collect(context.Background(), collect.Request{}, [64]byte{})
	if !errors.Is(err, collect.ErrNoTEE) {
		t.Errorf("Collect on a host without a TEE: %v, want ErrNoTEE", err)
	}
}

func pemOf(cs ...*x509.Certificate) []byte {
	var b []byte
	for _, c := range cs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}

// TestCertificatesFromCache: a report without a certificate table gets its
// VCEK chain from the cache, and then verifies; without the cache it lacks
// it (fetching is the auditor's, attest/tee/fetch).
func TestCertificatesFromCache(t *testing.T) {
	dir, s := genSigner(t, specs[0])
	in, err := s.StandIn()
	if err != nil {
		t.Fatal(err)
	}
	in.AuxBlob = nil
	writeStandIn(t, dir, in)
	cache := t.TempDir()
	os.WriteFile(filepath.Join(cache, "vcek.pem"), pemOf(s.Chain[0]), 0o644)
	os.WriteFile(filepath.Join(cache, "cert_chain.pem"), pemOf(s.Chain[1], s.Chain[2]), 0o644)
	rd := collect.ReportData(nonce, digest)
	d, err := collect.Collect(context.Background(), collect.Request{Interface: collect.LabSigner, SignerDir: dir}, rd)
	if err != nil || len(d.Certs) != 0 {
		t.Fatalf("without table or cache: %+v, %v", d.Certs, err)
	}
	d, err = collect.Collect(context.Background(), collect.Request{Interface: collect.LabSigner, SignerDir: dir, CertCache: cache}, rd)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Certs) != 3 || !strings.HasPrefix(d.Certs[0].From, "cache ") {
		t.Errorf("certificates from the cache: %+v", d.Certs)
	}
	roots := &tee.Roots{}
	roots.Add(s.Root, "lab")
	if _, err := tee.Verify(d, tee.Options{VerifierNonce: nonce, EvidenceDigest: digest, TestRoots: roots}); err != nil {
		t.Error(err)
	}
}
