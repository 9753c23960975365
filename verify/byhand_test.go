package verify

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/results/sign"
)

// needTools skips when a command-line tool is missing, except in CI
// (CI=true), where a missing prerequisite fails the test.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed (scripts/deps installs it)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
}

// recipeBlocks returns the ```sh blocks of docs/verify-by-hand.md that apply
// to keys of type kt, in order.
func recipeBlocks(t *testing.T, kt sign.KeyType) []string {
	t.Helper()
	doc, err := os.ReadFile("../docs/verify-by-hand.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	parts := strings.Split(string(doc), "```sh\n")
	for _, p := range parts[1:] {
		block, _, ok := strings.Cut(p, "```")
		if !ok {
			t.Fatal("unterminated sh block in docs/verify-by-hand.md")
		}
		if first, _, _ := strings.Cut(block, "\n"); strings.HasPrefix(first, "# only for ") && first != "# only for "+string(kt)+" keys" {
			continue
		}
		out = append(out, block)
	}
	if len(out) != 4 {
		t.Fatalf("%d recipe blocks apply to %s keys, want 4", len(out), kt)
	}
	return out
}

// runRecipe runs the documented commands on a signed report and returns
// their combined output and whether every block exited 0.
func runRecipe(t *testing.T, kt sign.KeyType, envelope []byte, k *sign.Key) (string, bool) {
	t.Helper()
	dir := t.TempDir()
	report, pub := filepath.Join(dir, "report.json"), filepath.Join(dir, "keys")
	if err := os.WriteFile(report, envelope, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sign.WriteKeyPair(pub, k); err != nil {
		t.Fatal(err)
	}
	var all bytes.Buffer
	for _, block := range recipeBlocks(t, kt) {
		cmd := exec.Command("bash", "-c", block)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "REPORT="+report, "PUB="+filepath.Join(pub, sign.PublicKeyFile))
		out, err := cmd.CombinedOutput()
		all.Write(out)
		if err != nil {
			all.WriteString("exit: " + err.Error() + "\n")
			return all.String(), false
		}
	}
	return all.String(), true
}

func TestVerifyByHandRecipe(t *testing.T) {
	needTools(t, "bash", "openssl", "jq", "base64", "sha256sum")
	rep := runReport(t)
	for _, tc := range []struct {
		kt   sign.KeyType
		says string
	}{
		{sign.KeyEd25519, "Signature Verified Successfully"},
		{sign.KeyECDSAP256, "Verified OK"},
	} {
		k := newKey(t, tc.kt)
		env := signed(t, rep, k)
		t.Run("openssl verifies a real report signed with "+string(tc.kt), func(t *testing.T) {
			out, ok := runRecipe(t, tc.kt, env, k)
			if !ok || !strings.Contains(out, tc.says) || !strings.Contains(out, "key id matches: "+k.ID) ||
				!strings.Contains(out, sign.PredicateType) || !strings.Contains(out, "Clarence: suite clarence, run "+rep.RunID) {
				t.Fatalf("recipe output:\n%s", out)
			}
		})
		t.Run("openssl rejects a "+string(tc.kt)+" report whose payload was changed", func(t *testing.T) {
			out, ok := runRecipe(t, tc.kt, tamper(t, env), k)
			if ok || strings.Contains(out, tc.says) {
				t.Fatalf("tampered report passed the recipe:\n%s", out)
			}
		})
		t.Run("openssl rejects a "+string(tc.kt)+" report checked against another key", func(t *testing.T) {
			out, ok := runRecipe(t, tc.kt, env, newKey(t, tc.kt))
			if ok || !strings.Contains(out, "exit:") {
				t.Fatalf("report passed the recipe with another key:\n%s", out)
			}
		})
	}
}

// tamper turns the first verdict's "pass" into "fail" (or back) in the
// payload and keeps the signature.
func tamper(t *testing.T, envelope []byte) []byte {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal(envelope, &env); err != nil {
		t.Fatal(err)
	}
	payload, _ := base64.StdEncoding.DecodeString(env["payload"].(string))
	changed := bytes.Replace(payload, []byte(`"status":"pass"`), []byte(`"status":"fail"`), 1)
	if bytes.Equal(changed, payload) {
		changed = bytes.Replace(payload, []byte(`"status":"fail"`), []byte(`"status":"pass"`), 1)
	}
	if bytes.Equal(changed, payload) {
		t.Fatal("no verdict status to change")
	}
	env["payload"] = base64.StdEncoding.EncodeToString(changed)
	b, _ := json.MarshalIndent(env, "", "  ")
	return b
}
