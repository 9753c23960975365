package attest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/sovbench/sovbench/results"
)

// simMu serialises the in-process simulator: it holds process-wide state.
var simMu sync.Mutex

// request returns a fresh verifier nonce and a digest of some evidence.
func request(t testing.TB, evidence string) Request {
	t.Helper()
	n := make([]byte, 32)
	if _, err := rand.Read(n); err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256([]byte(evidence))
	return Request{VerifierNonce: n, EvidenceDigest: d[:]}
}

func opts(req Request) Options {
	return Options{VerifierNonce: req.VerifierNonce, EvidenceDigest: req.EvidenceDigest}
}

// collectSim collects from a fresh simulator that booted with BootProfile.
func collectSim(t testing.TB, req Request, secureBoot bool) *results.TPMDetails {
	t.Helper()
	simMu.Lock()
	defer simMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dev, err := Open(ctx, KindSimulator)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	log, err := dev.Measure(ctx, BootProfile("sovbench test firmware", secureBoot, dbCert(t)))
	if err != nil {
		t.Fatal(err)
	}
	req.EventLog = log
	d, err := Collect(ctx, dev, req)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// needTool finds a tpm2-tools binary, or skips (fails under CI=true).
func needTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and %s is missing: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

var (
	authOnce sync.Once
	authCert *x509.Certificate
)

// dbCert is a throwaway "db" certificate for BootProfile's authority event.
func dbCert(t testing.TB) *x509.Certificate {
	t.Helper()
	authOnce.Do(func() {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sovbench test db key"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
		if err != nil {
			t.Fatal(err)
		}
		authCert, _ = x509.ParseCertificate(der)
	})
	return authCert
}
