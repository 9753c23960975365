package main

import (
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/atlas/atlastest"
	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/landmarks"
	"github.com/sovbench/sovbench/results/sign"
)

// fakeAtlas starts the fake Atlas API and writes its certificate as the
// --api-ca file.
func fakeAtlas(t *testing.T) (*atlastest.Server, string) {
	t.Helper()
	srv := atlastest.New("cli-test-key")
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "atlas-ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return srv, ca
}

func TestLandmarksFetchSignVerify(t *testing.T) {
	srv, ca := fakeAtlas(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "anchors.json")
	code, out, errb := sb(t, "landmarks", "fetch", "--api", srv.API(), "--api-ca", ca, "--out", file, "-o", "json")
	if code != exitOK {
		t.Fatalf("fetch exit %d: %s", code, errb)
	}
	var sum setSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	set, err := landmarks.Read(t.Context(), file, limits.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Landmarks != 7 || sum.SHA256 != set.SHA256 || sum.Source != srv.API()+"anchors/" || len(sum.Notes) != 1 {
		t.Errorf("fetch said %+v; the file holds %d landmarks, sha256 %s", sum, len(set.Landmarks), set.SHA256)
	}
	t.Run("without the API's CA the fetch fails", func(t *testing.T) {
		if code, _, errb := sb(t, "landmarks", "fetch", "--api", srv.API(), "--out", filepath.Join(dir, "x.json")); code != exitRuntime || !strings.Contains(errb, "certificate") {
			t.Fatalf("exit %d: %s", code, errb)
		}
	})
	keyDir := filepath.Join(dir, "keys")
	if code, _, errb := sb(t, "key", "generate", "--out", keyDir); code != exitOK {
		t.Fatalf("key generate: %s", errb)
	}
	priv, pub := filepath.Join(keyDir, sign.PrivateKeyFile), filepath.Join(keyDir, sign.PublicKeyFile)
	t.Run("a plain file does not verify", func(t *testing.T) {
		if code, _, errb := sb(t, "landmarks", "verify", file, "--trusted-key", pub); code != exitClaims || !strings.Contains(errb, "not signed") {
			t.Fatalf("exit %d: %s", code, errb)
		}
	})
	if code, _, errb := sb(t, "landmarks", "sign", file, "--signing-key", priv); code != exitOK {
		t.Fatalf("sign exit %d: %s", code, errb)
	}
	t.Run("the signed file verifies, reads like the plain one and is pinned by the same digest", func(t *testing.T) {
		code, out, errb := sb(t, "landmarks", "verify", file, "--trusted-key", pub)
		if code != exitOK || !strings.Contains(out, "sha256 "+set.SHA256) || !strings.Contains(out, "signed by key") {
			t.Fatalf("exit %d: %s %s", code, out, errb)
		}
		again, err := landmarks.Read(t.Context(), file, limits.Limits{})
		if err != nil || again.SHA256 != set.SHA256 {
			t.Fatalf("%v %v", again, err)
		}
	})
	t.Run("a moved landmark in a signed file does not verify", func(t *testing.T) {
		data, _ := os.ReadFile(file)
		bad := filepath.Join(dir, "tampered.json")
		os.WriteFile(bad, []byte(strings.Replace(string(data), `"sig": "`, `"sig": "A`, 1)), 0o644)
		if code, _, errb := sb(t, "landmarks", "verify", bad, "--trusted-key", pub); code != exitClaims {
			t.Fatalf("exit %d: %s", code, errb)
		}
	})
	t.Run("fetch signs at once with --signing-key", func(t *testing.T) {
		signed := filepath.Join(dir, "signed.json")
		if code, _, errb := sb(t, "landmarks", "fetch", "--api", srv.API(), "--api-ca", ca, "--out", signed, "--signing-key", priv); code != exitOK {
			t.Fatalf("exit %d: %s", code, errb)
		}
		if code, _, errb := sb(t, "landmarks", "verify", signed, "--trusted-key", pub); code != exitOK {
			t.Fatalf("verify exit %d: %s", code, errb)
		}
	})
	t.Run("list --near shows what a nearest rule picks, with distances", func(t *testing.T) {
		code, out, errb := sb(t, "landmarks", "list", file, "--near", "Luxembourg", "-n", "2", "-o", "csv")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if code != exitOK || len(lines) != 3 || !strings.HasPrefix(lines[1], "lu-lux-as64500") || !strings.HasPrefix(lines[2], "be-bru-as64503") || !strings.Contains(lines[2], ",187,") {
			t.Fatalf("exit %d: %s %s", code, out, errb)
		}
	})
}
