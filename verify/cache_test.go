package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/results/sign"
)

// A verifier parses each embedded suite once and reuses it for later
// reports (#18's speed work). A lying provider that signs two reports,
// the second with an edited suite whose verdicts it did not re-evaluate,
// must not get the first suite's parse for the second: the cache is keyed
// by the whole source and path, and the edit is re-evaluated and caught.
func TestSuiteCacheNeverAnswersForOtherBytes(t *testing.T) {
	honest := runReport(t)
	k := newKey(t, sign.KeyEd25519)
	v := &Verifier{Keys: []*sign.PublicKey{k.Public()}}
	if res := v.Envelope(context.Background(), "honest", signed(t, honest, k)); !res.OK() {
		t.Fatalf("the honest twin: %v", res.Failures())
	}
	forged := runReportCopy(t, honest)
	forged.Suite.Source = strings.Replace(forged.Suite.Source, "operator.in: [Amazon]", "operator.in: [Telindus]", 1)
	if forged.Suite.Source == honest.Suite.Source {
		t.Fatal("the suite has no operator.in: [Amazon] to edit")
	}
	sum := sha256.Sum256([]byte(forged.Suite.Source))
	forged.Suite.SHA256 = hex.EncodeToString(sum[:])
	res := v.Envelope(context.Background(), "forged", signed(t, forged, k))
	if res.OK() {
		t.Fatal("a report whose suite was edited after its verdicts verifies with the cached suite")
	}
	if f := res.Failures(); f[0].Name != CheckVerdicts {
		t.Fatalf("failures %v, want the verdicts re-evaluated with the edited suite", f)
	}
	if res := v.Envelope(context.Background(), "honest again", signed(t, honest, k)); !res.OK() {
		t.Fatalf("the honest twin after the forgery: %v", res.Failures())
	}
}

// Path and source are told apart in the key: a path that ends where
// another's source begins is another key.
func TestSuiteKeySeparatesPathAndSource(t *testing.T) {
	if (suiteKey{"a.yaml\x00x", "y"} == suiteKey{"a.yaml", "\x00xy"} || suiteKey{"a", "bc"} == suiteKey{"ab", "c"}) {
		t.Fatal("two different paths and sources share a key")
	}
}
