// Package collecttest collects TPM evidence for tests in any package: from
// the in-process simulator (serialised, since it holds process-wide state)
// or from a swtpm started with attest/swtpm/swtpmtest, after playing
// collect.BootProfile into it.
package collecttest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/attest/collect"
	"github.com/sovbench/sovbench/attest/swtpm"
	"github.com/sovbench/sovbench/results"
)

// simMu serialises the in-process simulator: it holds process-wide state.
var simMu sync.Mutex

// LockSimulator holds the simulator for the caller until unlock is called;
// Simulator takes it itself.
func LockSimulator() (unlock func()) {
	simMu.Lock()
	return simMu.Unlock
}

// Request returns a fresh verifier nonce and the digest of some evidence.
func Request(t testing.TB, evidence string) collect.Request {
	t.Helper()
	n := make([]byte, 32)
	if _, err := rand.Read(n); err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256([]byte(evidence))
	return collect.Request{VerifierNonce: n, EvidenceDigest: d[:]}
}

// Options are the attest.Options that expect what req binds.
func Options(req collect.Request) attest.Options {
	return attest.Options{VerifierNonce: req.VerifierNonce, EvidenceDigest: req.EvidenceDigest}
}

// Simulator collects from a fresh simulator that booted with BootProfile.
func Simulator(t testing.TB, req collect.Request, secureBoot bool) *results.TPMDetails {
	t.Helper()
	return SimulatorBoot(t, req, collect.BootProfile("sovbench test firmware", secureBoot, DBCert(t)))
}

// SimulatorBoot collects from a fresh simulator that measured boot (a
// crafted log, say): the quote covers PCRs that boot really extended.
func SimulatorBoot(t testing.TB, req collect.Request, boot []attest.BootEvent) *results.TPMDetails {
	t.Helper()
	defer LockSimulator()()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dev, err := collect.Open(ctx, collect.KindSimulator)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	log, err := dev.Measure(ctx, boot)
	if err != nil {
		t.Fatal(err)
	}
	req.EventLog = log
	d, err := collect.Collect(ctx, dev, req)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Swtpm boots inst with BootProfile and collects from it.
func Swtpm(t testing.TB, inst *swtpm.Instance, req collect.Request) *results.TPMDetails {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dev, err := collect.Open(ctx, inst.Spec())
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	log, err := dev.Measure(ctx, collect.BootProfile("swtpm lab firmware", true, DBCert(t)))
	if err != nil {
		t.Fatal(err)
	}
	req.EventLog = log
	d, err := collect.Collect(ctx, dev, req)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// SwtpmRoots is a RootStore holding inst's local CA as a software root.
func SwtpmRoots(t testing.TB, inst *swtpm.Instance) *attest.RootStore {
	t.Helper()
	rs := attest.NewRootStore()
	for _, f := range []string{inst.CACert, inst.IssuerCert} {
		if err := rs.AddFile(f, attest.RootSoftware, "swtpm"); err != nil {
			t.Fatal(err)
		}
	}
	return rs
}

var (
	authOnce sync.Once
	authCert *x509.Certificate
)

// DBCert is a throwaway "db" certificate for BootProfile's authority event,
// the same one for every call in a process.
func DBCert(t testing.TB) *x509.Certificate {
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

// Remote collects from the TPM at spec (a fresh swtpm: it plays BootProfile
// into it) with a remote verifier's activation, as fleet's serve runs it:
// the verifier challenges the AK (attest.NewChallenge), the TPM answers,
// quotes, and the verifier confirms the answer (attest.ConfirmActivation)
// under the key id keyID. ek, if set, edits the EK record the agent sends
// the verifier and keeps (a test gives it an EK certificate of its own
// making for the same key). A req with an EventLog is a TPM that already
// booted with that log: nothing is measured again (the same for Device).
func Remote(t testing.TB, spec string, req collect.Request, keyID string, ek func(*results.TPMEK)) *results.TPMDetails {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dev, err := collect.Open(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	if req.EventLog, err = measureOnce(ctx, t, dev, req.EventLog); err != nil {
		t.Fatal(err)
	}
	req.VerifierSource = "remote"
	s, err := collect.Begin(ctx, dev, req)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ar := s.Request()
	if ek != nil {
		ek(&ar.EK)
	}
	ch, pending, err := attest.NewChallenge(ar, attest.ChallengeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ch.ID, ch.Verifier = "challenge-1", "sovbench serve, key "+keyID
	if err := s.Answer(ctx, ch); err != nil {
		t.Fatal(err)
	}
	d, err := s.Quote(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d.EKs[0] = ar.EK
	if err := attest.ConfirmActivation(d, pending, ch.Verifier, keyID); err != nil {
		t.Fatal(err)
	}
	return d
}

// measureOnce plays BootProfile into dev and returns its log, or returns
// log when set: the TPM already booted (an earlier collection measured it),
// and measuring again would leave PCRs that log does not replay.
func measureOnce(ctx context.Context, t testing.TB, dev *collect.Device, log []byte) ([]byte, error) {
	if log != nil {
		return log, nil
	}
	return dev.Measure(ctx, collect.BootProfile("swtpm lab firmware", true, DBCert(t)))
}

// Device collects from the TPM at spec (a device path, swtpm:// or
// simulator) after playing BootProfile into it, with local activation.
func Device(t testing.TB, spec string, req collect.Request) *results.TPMDetails {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dev, err := collect.Open(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	if req.EventLog, err = measureOnce(ctx, t, dev, req.EventLog); err != nil {
		t.Fatal(err)
	}
	d, err := collect.Collect(ctx, dev, req)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
