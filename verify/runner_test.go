package verify

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/scenarios/plan"
	"github.com/sovbench/sovbench/scenarios/run"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// A real run with a simulated TPM: the runner binds the quote to the
// target's other evidence, and the signed report verifies — also after the
// JSON round trip that evidence from a lab or SSH agent makes.
func TestRunnerBindsTheQuoteToTheEvidence(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "proc/sys/kernel"), 0o755)
	os.WriteFile(filepath.Join(root, "proc/sys/kernel/osrelease"), []byte("6.1\n"), 0o644)
	s, err := suite.Parse("tpm.yaml", []byte(`suite: tpm-binding
provider: {name: p}
targets: [{name: a}, {name: b}]
probes:
  - probe: host
  - probe: tpm
    params: {tpm: simulator, boot_profile: secure-boot-on}
claims:
  - tpm.required: {allow_simulated: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	rep := (&run.Runner{LocalEnv: plan.Env{LabFixture: root}}).Run(context.Background(), s)
	if rep.Status != results.RunComplete {
		t.Fatalf("run %s: %s", rep.Status, rep.Interruption)
	}
	for _, ev := range rep.Evidence {
		if ev.Failure != nil {
			t.Fatalf("%s failed: %v", ev.ID, ev.Failure)
		}
	}
	b, _ := json.Marshal(rep)
	var round results.Report
	if err := json.Unmarshal(b, &round); err != nil {
		t.Fatal(err)
	}
	k, err := sign.GenerateKey(sign.KeyEd25519)
	if err != nil {
		t.Fatal(err)
	}
	env, err := sign.SignReport(context.Background(), &round, k)
	if err != nil {
		t.Fatal(err)
	}
	res := (&Verifier{Keys: []*sign.PublicKey{k.Public()}}).Envelope(context.Background(), "run", env)
	if !res.OK() {
		t.Fatalf("a bound run does not verify: %v", res.Failures())
	}
	// The binding is real: evidence changed after the quote is caught.
	round.Evidence[0].Duration++
	env, _ = sign.SignReport(context.Background(), &round, k)
	res = (&Verifier{Keys: []*sign.PublicKey{k.Public()}}).Envelope(context.Background(), "run", env)
	if res.OK() {
		t.Fatal("evidence changed after the quote still verifies")
	}
}
