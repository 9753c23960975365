package seed_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/lab/labtest"
	"github.com/sovbench/sovbench/lab/seed"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/sign"
	seedsuites "github.com/sovbench/sovbench/scenarios/seed"
	"github.com/sovbench/sovbench/verify"
)

// catalogue is testdata/expected.yaml: suite → provider → claim key → status.
type catalogue map[string]map[string]map[string]results.Status

func loadCatalogue(t *testing.T) catalogue {
	t.Helper()
	data, err := os.ReadFile("testdata/expected.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c catalogue
	dec := yaml.NewDecoder(bytesReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("testdata/expected.yaml: %v", err)
	}
	return c
}

// TestSeedCatalogue runs the whole seed demo in the lab (with a software
// TPM per host) and checks every
// verdict of every suite × provider against the catalogue, then that every
// report signs and verifies after the lab is gone (the suites must parse
// without it).
func TestSeedCatalogue(t *testing.T) {
	labtest.RequireRoot(t)
	want := loadCatalogue(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	tpmDir := t.TempDir()
	reps, err := seed.Run(ctx, seed.Options{
		AgentPath: labtest.AgentBinary(t), Name: labtest.UniqueName("seed"),
		TPMDir: tpmDir, TEEDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	got := catalogue{}
	for _, rep := range reps {
		if rep.Status != results.RunComplete {
			t.Errorf("%s on %s: run %s (%+v)", rep.Suite.Name, rep.Provider.Name, rep.Status, rep.Interruption)
		}
		for _, v := range rep.Verdicts {
			s, p, key := rep.Suite.Name, rep.Provider.Name, teeRoot.ReplaceAllString(v.Key(), "sha256:TEEROOT")
			if strings.Contains(key, tpmDir) {
				t.Errorf("%s on %s: the claim %q names the local TPM directory", s, p, key)
			}
			if got[s] == nil {
				got[s] = map[string]map[string]results.Status{}
			}
			if got[s][p] == nil {
				got[s][p] = map[string]results.Status{}
			}
			got[s][p][key] = v.Status
			if w, ok := want[s][p][key]; !ok {
				t.Errorf("%s on %s: %q is %s but not in the catalogue", s, p, key, v.Status)
			} else if w != v.Status {
				t.Errorf("%s on %s: %q is %s, want %s (%s)", s, p, key, v.Status, w, v.Reason)
			}
		}
	}
	for _, s := range keys(want) {
		for _, p := range keys(want[s]) {
			for _, k := range keys(want[s][p]) {
				if _, ok := got[s][p][k]; !ok {
					t.Errorf("%s on %s: no verdict for %q", s, p, k)
				}
			}
		}
	}
	checkCoverage(t, want)
	checkHostileLocation(t, reps)
	checkHostIdentity(t, reps)
	checkSigned(t, reps)
	checkTestSignedIsNotAMD(t, reps)
}

// teeRoot matches a test root's fingerprint, which is new in every TEEDir.
var teeRoot = regexp.MustCompile(`sha256:[0-9a-f]{64}`)

// checkHostIdentity compares the host evidence every report holds with the
// identity its provider's ground truth states: the lab host's probe read the
// host's fixture (not this machine's /sys) and asked its metadata stand-in.
func checkHostIdentity(t *testing.T, reps []*results.Report) {
	topo, err := seed.Topology()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, rep := range reps {
		for _, ev := range rep.Evidence {
			if ev.Probe != "host" {
				continue
			}
			for _, p := range topo.Providers {
				if p.Name == rep.Provider.Name {
					seen[p.Name] = true
					checkIdentity(t, p, ev.Host)
				}
			}
		}
	}
	for _, p := range topo.Providers {
		if !seen[p.Name] && !seed.QAOnly(p) { // the location QA runs no host probe (#17)
			t.Errorf("%s: no report holds host evidence", p.Name)
		}
	}
}

// checkCoverage asserts the catalogue covers every suite × provider.
func checkCoverage(t *testing.T, c catalogue) {
	topo, err := seed.Topology()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range topo.Providers {
		suites := seedsuites.SuiteNames()
		if seed.QAOnly(p) {
			suites = []string{seed.HostileSuite} // the location QA (#17)
		}
		for _, s := range suites {
			if len(c[s][p.Name]) == 0 {
				t.Errorf("the catalogue has no verdicts for %s on %s", s, p.Name)
			}
		}
	}
}

// checkSigned signs every report and verifies it as sovbench verify does.
func checkSigned(t *testing.T, reps []*results.Report) {
	k, err := sign.GenerateKey(sign.KeyEd25519)
	if err != nil {
		t.Fatal(err)
	}
	v := &verify.Verifier{Keys: []*sign.PublicKey{k.Public()}}
	for _, rep := range reps {
		name := fmt.Sprintf("%s@%s", rep.Suite.Name, rep.Provider.Name)
		env, err := sign.SignReport(context.Background(), rep, k)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := v.Envelope(context.Background(), name, env).Report(); err != nil {
			t.Errorf("%s does not verify: %v", name, err)
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
