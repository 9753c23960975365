package fleet

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/lab"
	"github.com/sovbench/sovbench/lab/labtest"
)

const labAgents = 10

// TestAgentsInLabHostsEnrolAndSubmit runs the verifier in one lab namespace
// and the slim agent (cmd/sovbench-agent; the CLI's "sovbench agent
// --server" is tested in cmd/sovbench) in each of labAgents other lab hosts:
// each enrols with its own token over HTTPS across the lab's router and
// submits; a host with a wrong token is refused.
func TestAgentsInLabHostsEnrolAndSubmit(t *testing.T) {
	var hosts strings.Builder
	for i := 1; i <= labAgents; i++ {
		fmt.Fprintf(&hosts, "      - {name: h%d}\n", i)
	}
	l := labtest.Up(t, `lab: fleet-serve
providers:
  - name: audit
    location: {lat: 49.61, lon: 6.13}
    egress: {policy: open}
    hosts: [{name: verifier}]
  - name: fleet
    location: {lat: 50.11, lon: 8.68}
    egress: {policy: open}
    hosts:
`+hosts.String())
	bin := labtest.AgentBinary(t)
	dir, err := os.MkdirTemp("", "sovbench-fleet-serve-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })

	// The agents read a fixed host tree (--lab-fixture, as the lab starts
	// agents on hosts with a fixture), so every claim passes on any machine.
	root := filepath.Join(dir, "root")
	for p, body := range map[string]string{"proc/sys/kernel/osrelease": "6.1\n", ".sovbench/cpuid": "hypervisor_bit: 1\nhypervisor_signature: KVMKVMKVM\nvendor: GenuineIntel\n"} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(root, p), []byte(body), 0o644)
	}
	suites := filepath.Join(dir, "suites")
	os.MkdirAll(suites, 0o755)
	os.WriteFile(filepath.Join(suites, "s.yaml"), []byte("suite: lab-host\nprovider: {name: fleet}\ntargets: [{name: host, kind: local}]\nbudget: 1m\n"+
		"probes:\n  - probe: host\nclaims:\n  - hypervisor.present: true\n"), 0o644)
	ts := newTestServerOf(t, suites)

	addr, err := l.Addr("audit/verifier")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := SelfSigned([]string{addr.String()})
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "ca.pem")
	os.WriteFile(ca, certPEM, 0o644)
	os.WriteFile(filepath.Join(dir, "tls.key"), keyPEM, 0o600)
	cert, err := LoadOrCreateCert(ca, filepath.Join(dir, "tls.key"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := lab.ListenTCP(labtest.Namespace(t, l, "audit/verifier"), addr.String()+":8443")
	if err != nil {
		t.Fatal(err)
	}
	hs := ts.HTTPServer(ln.Addr().String())
	hs.TLSConfig = tlsConfig(cert)
	go hs.ServeTLS(ln, "", "")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
	})
	url := "https://" + ln.Addr().String()

	runAgent := func(host, token string) (string, error) {
		name := strings.TrimPrefix(host, "fleet/")
		return labtest.TryExec(l, host, time.Minute, bin, "-o", "json", "--server", url, "--ca", ca,
			"--token", token, "--suite", "lab-host", "--name", name, "--credentials", filepath.Join(dir, name+".json"),
			"--lab-fixture", root)
	}
	t.Run("every lab host enrols and submits", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make([]error, labAgents)
		for i := range labAgents {
			tok, err := ts.store.IssueToken(context.Background(), Token{TTL: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, err := runAgent(fmt.Sprintf("fleet/h%d", i+1), tok)
				var resp api.SubmitResponse
				if err == nil {
					err = json.Unmarshal([]byte(out), &resp)
				}
				if err == nil && (!resp.Satisfied || len(resp.Verdicts) != 1) {
					err = fmt.Errorf("verdicts %+v", resp.Verdicts)
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("h%d: %v", i+1, err)
			}
		}
		paths, _ := filepath.Glob(filepath.Join(ts.dir, "*", "*.json"))
		if len(paths) != labAgents {
			t.Errorf("%d reports stored, want %d", len(paths), labAgents)
		}
	})
	t.Run("a lab host with a wrong token is refused", func(t *testing.T) {
		os.Remove(filepath.Join(dir, "h1.json"))
		_, err := runAgent("fleet/h1", "sbt_forged")
		if err == nil || !strings.Contains(err.Error(), "forbidden") {
			t.Fatalf("got %v, want a forbidden refusal", err)
		}
	})
}

func tlsConfig(c tls.Certificate) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{c}}
}
