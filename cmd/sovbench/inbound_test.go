package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/landmarks"
)

// inboundSuiteFile writes a suite whose inbound step pings 192.0.2.77 from
// two anchors' Atlas probes (the fake API's pings never leave the test).
func inboundSuiteFile(t *testing.T, dir string) string {
	t.Helper()
	set, err := landmarks.NewSet("https://atlas.example/api/v2/anchors/", time.Unix(1.7e9, 0), []landmarks.Landmark{
		{Name: "lu-lux.anchors", Country: "LU", Lat: 49.61, Lon: 6.13, IPv4: "192.0.2.1", ProbeID: 6301, Answers: []string{"icmp"}},
		{Name: "de-fra.anchors", Country: "DE", Lat: 50.11, Lon: 8.68, IPv4: "192.0.2.2", ProbeID: 6302, Answers: []string{"icmp"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(set)
	lf := filepath.Join(dir, "anchors.json")
	if err := os.WriteFile(lf, b, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "inbound.yaml")
	body := fmt.Sprintf(`suite: t
provider: {name: prov}
budget: 1m
probes:
  - probe: inbound
    timeout: 30s
    params: {address: 192.0.2.77, poll_interval: 10ms, landmark_set: {file: %s, nearest: {to: Luxembourg, n: 2}}}
claims:
  - location.inbound: {not_in: [US]}
`, lf)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// The Atlas key reaches the Atlas API and nothing else: not the report,
// not the output, not a log line, not an error; even when the API echoes
// a wrong key back.
func TestRunMeasuresInboundWithTheKeyKeptSecret(t *testing.T) {
	const key = "cli-test-key"
	srv, ca := fakeAtlas(t)
	dir := t.TempDir()
	s := inboundSuiteFile(t, dir)
	keyFile := filepath.Join(dir, "atlas.key")
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secretFree := func(t *testing.T, rd string, texts ...string) {
		t.Helper()
		filepath.Walk(rd, func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				b, _ := os.ReadFile(p)
				texts = append(texts, string(b))
			}
			return nil
		})
		for _, x := range texts {
			if strings.Contains(x, key) || strings.Contains(x, "wrong-key-value") {
				t.Fatalf("the key leaked: %s", x)
			}
		}
	}
	t.Run("with the key file the target is measured from outside", func(t *testing.T) {
		rd := filepath.Join(dir, "r1")
		code, out, errb := sb(t, "run", "-v", "--results-dir", rd, "--atlas-key-file", keyFile,
			"--atlas-api", srv.API(), "--atlas-ca", ca, "-o", "json", s)
		if code != exitOK || !strings.Contains(out, `"measurement_id": 100`) {
			t.Fatalf("exit %d: %s %s", code, out, errb)
		}
		secretFree(t, rd, out, errb)
		if reqs := srv.Requests(); len(reqs) == 0 || reqs[0].Auth != "Key "+key {
			t.Fatalf("requests %+v", reqs)
		}
	})
	t.Run("a wrong key from the environment fails the step without repeating it", func(t *testing.T) {
		t.Setenv(atlasKeyEnv, "wrong-key-value")
		rd := filepath.Join(dir, "r2")
		code, out, errb := sb(t, "run", "-v", "--results-dir", rd, "--atlas-api", srv.API(), "--atlas-ca", ca, "-o", "json", s)
		if code != exitClaims || !strings.Contains(out, "not valid") {
			t.Fatalf("exit %d: %s %s", code, out, errb)
		}
		secretFree(t, rd, out, errb)
	})
	t.Run("without a key the step says how to give one", func(t *testing.T) {
		code, out, _ := sb(t, "run", "-q", "--results-dir", filepath.Join(dir, "r3"), "-o", "json", s)
		if code != exitClaims || !strings.Contains(out, "--atlas-key-file") {
			t.Fatalf("exit %d: %s", code, out)
		}
	})
}
