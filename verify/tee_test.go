package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/attest/tee/testsign"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/scenarios/plan"
	"github.com/sovbench/sovbench/scenarios/run"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// teeRun runs a suite with host, tpm and tee probes on a fixture whose
// test signer claims spec, and returns the report (after a JSON round trip,
// as evidence from an agent arrives).
func teeRun(t *testing.T, spec testsign.Spec) *results.Report {
	t.Helper()
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "proc/sys/kernel"), 0o755)
	os.WriteFile(filepath.Join(root, "proc/sys/kernel/osrelease"), []byte("6.1\n"), 0o644)
	s, err := testsign.Generate(filepath.Join(root, ".sovbench", "tee"), spec)
	if err != nil {
		t.Fatal(err)
	}
	rootPEM := fmt.Sprintf("%q", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Root.Raw}))
	st, err := suite.Parse("tee.yaml", []byte(`suite: tee-binding
provider: {name: p}
targets: [{name: a}]
probes:
  - probe: host
  - probe: tpm
    params: {tpm: simulator}
  - probe: tee
claims:
  - tee.required: {kind: any, allow_test_roots: true, test_roots: [`+rootPEM+`]}
  - tee.endorsed_by: {signers: [vcek], test_roots: [`+rootPEM+`]}
`))
	if err != nil {
		t.Fatal(err)
	}
	simMu.Lock()
	rep := (&run.Runner{LocalEnv: plan.Env{LabFixture: root}}).Run(context.Background(), st)
	simMu.Unlock()
	b, _ := json.Marshal(rep)
	var round results.Report
	if err := json.Unmarshal(b, &round); err != nil {
		t.Fatal(err)
	}
	return &round
}

func teeRecord(rep *results.Report) *results.Evidence {
	for i := range rep.Evidence {
		if rep.Evidence[i].TEE != nil {
			return &rep.Evidence[i]
		}
	}
	return nil
}

// A real run: the runner binds the TPM quote and the TEE report to the
// same digest of the other evidence; the signed report verifies, and every
// way of breaking the binding is caught by the tee check.
func TestRunnerBindsTheTEEReport(t *testing.T) {
	specs := map[string]testsign.Spec{
		"sev-snp": {Kind: results.TEESEVSNP, ChipID: bytes.Repeat([]byte{4}, 64), TCB: [4]uint8{3, 0, 14, 209}},
		"tdx":     {Kind: results.TEETDX, Measurement: bytes.Repeat([]byte{4}, 48)},
	}
	k := newKey(t, sign.KeyEd25519)
	v := &Verifier{Keys: []*sign.PublicKey{k.Public()}}
	for name, spec := range specs {
		t.Run(name, func(t *testing.T) {
			rep := teeRun(t, spec)
			ev := teeRecord(rep)
			if ev == nil || rep.Verdicts[0].Status != results.StatusPass || rep.Verdicts[1].Status != results.StatusInconclusive {
				t.Fatalf("evidence %+v, verdicts %+v", ev, rep.Verdicts)
			}
			res := v.Envelope(context.Background(), "run", signed(t, rep, k))
			if !res.OK() {
				t.Fatalf("a bound run does not verify: %v", res.Failures())
			}
			cases := []struct {
				name   string
				mutate func(r *results.Report)
				detail string
			}{
				{"evidence changed after the report", func(r *results.Report) { r.Evidence[0].Duration++ }, "was made for evidence digest"},
				{"another run's nonce recorded", func(r *results.Report) { teeRecord(r).TEE.Nonce.Verifier[0] ^= 1 }, "refused (report_data)"},
				{"a report byte changed", func(r *results.Report) { teeRecord(r).TEE.Report[0x95] ^= 1 }, "verifying TEE evidence"},
				{"collected outside the run", func(r *results.Report) { teeRecord(r).Start = r.Started.Add(-time.Hour) }, "outside the run"},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					b, _ := json.Marshal(rep)
					var r results.Report
					json.Unmarshal(b, &r)
					c.mutate(&r)
					res := v.Envelope(context.Background(), "run", signed(t, &r, k))
					var found bool
					for _, f := range res.Failures() {
						found = found || (f.Name == CheckTEE && strings.Contains(f.Detail, c.detail))
					}
					if !found {
						t.Errorf("failures %v, want a tee failure containing %q", res.Failures(), c.detail)
					}
				})
			}
		})
	}
}
