package suite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/internal/limits"
)

// FuzzParse feeds the suite parser arbitrary YAML. It must never panic,
// and a suite it accepts must hold what every later stage relies on: names
// that can be written as folders and evidence ids, counts within the
// bounds, and the source it was parsed from.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("suite: t\nprovider: {name: p}\ntargets: [{name: a}, {name: b}]\nprobes: [{probe: host}]\nclaims: [{hypervisor.present: false}]\n"))
	f.Add([]byte("suite: t\nprovider: {name: \"\"}\nprobes: [{probe: host}]\nclaims: [{hypervisor.present: false}]\n"))
	f.Add([]byte("suite: t\nprovider: {name: p}\ntargets: [{name: f, kind: ssh, ssh: {user: u, key: k, known_hosts: kh}, hosts: [a, b, c]}]\nprobes: [{probe: host}]\nclaims: [{hypervisor.present: false}]\n"))
	lim := limits.Limits{}.With(limits.Probes, 8).With(limits.Targets, 8)
	f.Fuzz(func(t *testing.T, data []byte) {
		// Lists named by a fuzzed suite would be read from this machine:
		// keep the fuzzer to inline content.
		if strings.Contains(string(data), "lists") || strings.Contains(string(data), "ca:") {
			return
		}
		s, err := ParseLimited("fuzz.yaml", data, lim)
		if err != nil {
			return
		}
		if string(s.Source) != string(data) {
			t.Fatal("the suite does not carry its source")
		}
		if msg := checkName(s.Provider.Name); msg != "" {
			t.Fatalf("accepted provider name %q: %s", s.Provider.Name, msg)
		}
		if len(s.Steps) > 8 || len(s.Targets) > 8 {
			t.Fatalf("accepted %d probes and %d targets, bounds 8 and 8", len(s.Steps), len(s.Targets))
		}
		for _, tg := range s.Targets {
			if msg := checkID(tg.Name); msg != "" {
				t.Fatalf("accepted target name %q: %s", tg.Name, msg)
			}
		}
		for _, st := range s.Steps {
			if msg := checkID(st.ID); msg != "" {
				t.Fatalf("accepted probe id %q: %s", st.ID, msg)
			}
		}
	})
}
