package verify

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/scenarios/plan"
	"github.com/sovbench/sovbench/scenarios/run"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// runReport runs a real two-target suite (the host probe over a fixture
// tree, so no network and no dependence on this machine) and returns its
// report.
func runReport(t testing.TB) *results.Report {
	t.Helper()
	root := t.TempDir()
	for path, body := range map[string]string{
		"sys/class/dmi/id/sys_vendor":   "Telindus S.A.\n",
		"sys/class/dmi/id/product_name": "Clarence node 7\n",
		"proc/sys/kernel/osrelease":     "6.1.0-lab\n",
	} {
		p := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := suite.Parse("clarence.yaml", []byte(`suite: clarence
provider: {name: Clarence, claims: "EU-operated, not a US hyperscaler"}
targets:
  - name: h1
  - name: h2
probes:
  - probe: host
claims:
  - operator.not_in: [Amazon, Google, Microsoft]
  - operator.in: [Amazon]
    require: no_fail
`))
	if err != nil {
		t.Fatal(err)
	}
	rep := (&run.Runner{LocalEnv: plan.Env{LabFixture: root}}).Run(context.Background(), s)
	if rep.Status != results.RunComplete || len(rep.Verdicts) != 4 {
		t.Fatalf("run: %s %s, %d verdicts", rep.Status, rep.Interruption, len(rep.Verdicts))
	}
	return rep
}

func signed(t testing.TB, rep *results.Report, k *sign.Key) []byte {
	t.Helper()
	b, err := sign.SignReport(context.Background(), rep, k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newKey(t testing.TB, kt sign.KeyType) *sign.Key {
	t.Helper()
	k, err := sign.GenerateKey(kt)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestVerify(t *testing.T) {
	rep := runReport(t)
	k := newKey(t, sign.KeyEd25519)
	other := newKey(t, sign.KeyECDSAP256)
	trusted := &Verifier{Keys: []*sign.PublicKey{other.Public(), k.Public()}}
	flipped := func(r *results.Report) {
		v := &r.Verdicts[0]
		if v.Status == results.StatusPass {
			v.Status = results.StatusFail
		} else {
			v.Status = results.StatusPass
		}
	}
	cases := []struct {
		name     string
		mutate   func(r *results.Report)
		signer   *sign.Key
		verifier *Verifier
		failed   string // the check that must fail, "" for none
		detail   string
	}{
		{name: "a report signed by a trusted key verifies", signer: k, verifier: trusted},
		{name: "a report signed by an unknown key is rejected", signer: k, verifier: &Verifier{Keys: []*sign.PublicKey{other.Public()}},
			failed: CheckSignature, detail: "no signature by a trusted key"},
		{name: "a flipped verdict in a validly re-signed report is caught by re-evaluation", mutate: flipped, signer: k, verifier: trusted,
			failed: CheckVerdicts, detail: "the evidence gives"},
		{name: "a changed reason is caught by re-evaluation", signer: k, verifier: trusted,
			mutate: func(r *results.Report) { r.Verdicts[1].Reason = "trust us" }, failed: CheckVerdicts, detail: "recorded reason"},
		{name: "a dropped verdict is caught by re-evaluation", signer: k, verifier: trusted,
			mutate: func(r *results.Report) { r.Verdicts = r.Verdicts[:3] }, failed: CheckVerdicts, detail: "missing from the report"},
		{name: "changed evidence with its verdicts kept is caught by re-evaluation", signer: k, verifier: trusted,
			mutate: func(r *results.Report) { r.Evidence[0].Host.Operator.Name = "Amazon" }, failed: CheckVerdicts, detail: "h1 operator.not_in"},
		{name: "an edited embedded suite is caught by its digest", signer: k, verifier: trusted,
			mutate: func(r *results.Report) { r.Suite.Source += "# edited\n" }, failed: CheckSuite, detail: "embedded source hashes to"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runReportCopy(t, rep)
			if tc.mutate != nil {
				tc.mutate(r)
			}
			res := tc.verifier.Envelope(context.Background(), "r.json", signed(t, r, tc.signer))
			fails := res.Failures()
			if tc.failed == "" {
				if !res.OK() || !res.Verified || res.Signer != k.ID {
					t.Fatalf("failures %v, signer %s", fails, res.Signer)
				}
				if got, err := res.Report(); err != nil || got.RunID != rep.RunID {
					t.Fatalf("Report() = %v, %v", got, err)
				}
				return
			}
			if res.OK() || len(fails) == 0 || fails[0].Name != tc.failed || !strings.Contains(fails[0].String(), tc.detail) {
				t.Fatalf("failures %v, want %s containing %q", fails, tc.failed, tc.detail)
			}
			if got, err := res.Report(); got != nil || err == nil {
				t.Fatal("Report() handed out a report that did not verify")
			}
		})
	}
}

// runReportCopy deep-copies a report through JSON so cases cannot share state.
func runReportCopy(t testing.TB, r *results.Report) *results.Report {
	t.Helper()
	k := newKey(t, sign.KeyEd25519)
	out, err := sign.ReadUnverified(signed(t, r, k))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSingleByteChangesFailVerification changes bytes of a real signed
// report (a systematic sample: every 5th byte, flipped in bit 0 and set to
// a random other value; results tests every byte of an envelope) and runs
// the whole verifier on each.
func TestSingleByteChangesFailVerification(t *testing.T) {
	k := newKey(t, sign.KeyEd25519)
	data := signed(t, runReport(t), k)
	v := &Verifier{Keys: []*sign.PublicKey{k.Public()}}
	if res := v.Envelope(context.Background(), "r", data); !res.OK() {
		t.Fatal(res.Err())
	}
	rng := rand.New(rand.NewPCG(7, 7))
	buf := make([]byte, len(data))
	n := 0
	for i := 0; i < len(data); i += 5 {
		for _, b := range []byte{data[i] ^ 0x01, byte(rng.IntN(256))} {
			if b == data[i] {
				continue
			}
			copy(buf, data)
			buf[i] = b
			n++
			if v.Envelope(context.Background(), "r", buf).OK() {
				t.Fatalf("byte %d changed from %q to %q: verified", i, data[i], b)
			}
		}
	}
	t.Logf("%d single-byte changes of a %d-byte signed report, all rejected", n, len(data))
}
