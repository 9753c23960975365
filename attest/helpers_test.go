package attest_test

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"os"
	"os/exec"
	"testing"

	. "github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/attest/collect"
	"github.com/sovbench/sovbench/attest/collect/collecttest"
	"github.com/sovbench/sovbench/attest/swtpm"
	"github.com/sovbench/sovbench/results"
)

// The tests of the verifying half get their evidence from the collecting
// half (attest/collect), which an internal test could not import.

// request returns a fresh verifier nonce and a digest of some evidence.
func request(t testing.TB, evidence string) collect.Request {
	t.Helper()
	return collecttest.Request(t, evidence)
}

func opts(req collect.Request) Options { return collecttest.Options(req) }

// collectSim collects from a fresh simulator that booted with BootProfile.
func collectSim(t testing.TB, req collect.Request, secureBoot bool) *results.TPMDetails {
	t.Helper()
	return collecttest.Simulator(t, req, secureBoot)
}

// collectSwtpm boots inst with BootProfile and collects from it.
func collectSwtpm(t testing.TB, inst *swtpm.Instance, req collect.Request) *results.TPMDetails {
	t.Helper()
	return collecttest.Swtpm(t, inst, req)
}

func swtpmRoots(t testing.TB, inst *swtpm.Instance) *RootStore {
	t.Helper()
	return collecttest.SwtpmRoots(t, inst)
}

// dbCert is a throwaway "db" certificate for BootProfile's authority event.
func dbCert(t testing.TB) *x509.Certificate {
	t.Helper()
	return collecttest.DBCert(t)
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

// testVerifierKey stands for the key id of a verifier's signing key.
const testVerifierKey = "5e1f0000000000000000000000000000000000000000000000000000000000aa"

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
