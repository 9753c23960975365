package results

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run go test ./results -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./results -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

var t0 = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

// clarenceReport is a lab run on two hosts: one of them reaches a
// destination it should not, so the egress claim fails there.
func clarenceReport() *Report {
	return &Report{
		Schema: Schema, RunID: "0193a1b2-0000-7000-8000-00000000c1a4",
		Harness:  Harness{Name: "sovbench", Version: "0.1.0"},
		Suite:    SuiteRef{Name: "disconnected", SHA256: strings.Repeat("ab", 32), Source: "suite: disconnected\n"},
		Provider: Provider{Name: "Clarence", Claims: "disconnected; operated by Proximus in Luxembourg"},
		Targets:  []Target{{Name: "h1", Kind: "lab"}, {Name: "h2", Kind: "lab"}},
		Started:  t0, Ended: t0.Add(42 * time.Second), Status: RunComplete,
		Evidence: []Evidence{
			{ID: "h1/host", Probe: "host", ProbeVersion: "1", Target: "h1", Start: t0, Duration: Duration(120 * time.Millisecond),
				Host: &HostDetails{Operator: OperatorGuess{Name: "bare metal", Confidence: "medium"}}},
			{ID: "h2/host", Probe: "host", ProbeVersion: "1", Target: "h2", Start: t0, Duration: Duration(110 * time.Millisecond),
				Host: &HostDetails{Operator: OperatorGuess{Name: "bare metal", Confidence: "medium"}}},
			{ID: "h1/egress", Probe: "egress", ProbeVersion: "1", Target: "h1", Start: t0, Duration: Duration(9 * time.Second),
				Egress: &EgressDetails{Summary: EgressSummary{Destinations: 412, Reachable: 0, Controls: 1, ControlsReachable: 1}}},
			{ID: "h2/egress", Probe: "egress", ProbeVersion: "1", Target: "h2", Start: t0, Duration: Duration(9 * time.Second),
				Egress: &EgressDetails{Summary: EgressSummary{Destinations: 412, Reachable: 3, Controls: 1, ControlsReachable: 1}},
				Observations: []Observation{{At: Duration(time.Millisecond), Operation: "connect", Address: "198.18.9.9:443",
					Took: Duration(3 * time.Second), Failure: &Failure{Class: ClassTimeout, Operation: "connect"}}}},
			{ID: "h1/latency", Probe: "latency", ProbeVersion: "1", Target: "h1", Start: t0, Duration: Duration(2 * time.Second),
				Latency: &LatencyDetails{Landmarks: []LandmarkRTT{{Name: "luxembourg", Summary: Summary{N: 10, Min: Duration(812 * time.Microsecond)}}}}},
		},
		Verdicts: []Verdict{
			{Claim: "operator.not_in", Params: "[Amazon, Google, Microsoft]", Target: "h1", Status: StatusPass, Require: RequirePass, Reason: "operator claimed: bare metal", Figure: "bare metal", Evidence: []string{"h1/host"}},
			{Claim: "operator.not_in", Params: "[Amazon, Google, Microsoft]", Target: "h2", Status: StatusPass, Require: RequirePass, Reason: "operator claimed: bare metal", Figure: "bare metal", Evidence: []string{"h2/host"}},
			{Claim: "egress.none", Target: "h1", Status: StatusPass, Require: RequirePass, Reason: "0 of 412 destinations reachable; 1 of 1 controls reachable", Figure: "0/412 reachable"},
			{Claim: "egress.none", Target: "h2", Status: StatusFail, Require: RequirePass, Reason: "3 of 412 destinations reachable: 198.18.9.9:443/tcp telemetry, …", Figure: "3/412 reachable"},
		},
	}
}

// s3nsReport is a one-host run whose operator claim fails and whose egress
// claim is inconclusive.
func s3nsReport() *Report {
	start := t0.Add(time.Hour)
	return &Report{
		Schema: Schema, RunID: "0193a1b2-0000-7000-8000-0000000053e5",
		Harness:  Harness{Name: "sovbench", Version: "0.1.0"},
		Suite:    SuiteRef{Name: "disconnected", SHA256: strings.Repeat("cd", 32), Source: "suite: disconnected\n"},
		Provider: Provider{Name: "S3NS", Claims: "separated from Google's networks"},
		Targets:  []Target{{Name: "vm1", Kind: "lab"}},
		Started:  start, Ended: start.Add(31 * time.Second), Status: RunComplete,
		Evidence: []Evidence{
			{ID: "vm1/host", Probe: "host", ProbeVersion: "1", Target: "vm1", Start: start, Duration: Duration(90 * time.Millisecond),
				Host: &HostDetails{Operator: OperatorGuess{Name: "Google", Confidence: "high"},
					Hypervisor: Hypervisor{Present: true, Signature: "KVMKVMKVM", Vendor: "kvm"}}},
			{ID: "vm1/egress", Probe: "egress", ProbeVersion: "1", Target: "vm1", Start: start, Duration: Duration(12 * time.Second),
				Egress: &EgressDetails{Summary: EgressSummary{Destinations: 412, Reachable: 0, Controls: 1, ControlsReachable: 0}}},
		},
		Verdicts: []Verdict{
			{Claim: "operator.not_in", Params: "[Amazon, Google, Microsoft]", Target: "vm1", Status: StatusFail, Require: RequirePass, Reason: "operator claimed: Google (high: dmi, imds)", Figure: "Google"},
			{Claim: "egress.none", Target: "vm1", Status: StatusInconclusive, Require: RequirePass, Reason: "no positive control was reachable, so nothing reachable proves nothing", Figure: "0/412 reachable, 0/1 controls"},
			{Claim: "hypervisor.present", Params: "false", Target: "vm1", Status: StatusFail, Require: RequireNoFail, Reason: "CPUID hypervisor bit set (KVMKVMKVM)"},
		},
	}
}

func TestCompareGolden(t *testing.T) {
	dir := filepath.Join("testdata", "reports")
	if *update {
		os.RemoveAll(dir)
		for _, r := range []*Report{clarenceReport(), s3nsReport()} {
			if _, err := WriteReport(dir, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	reps, err := LoadReports(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 2 {
		t.Fatalf("LoadReports(%s) found %d reports, want 2", dir, len(reps))
	}
	for _, format := range Formats {
		t.Run("two reports as "+format, func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderGrid(&b, CompareGrid(reps), format); err != nil {
				t.Fatal(err)
			}
			golden(t, "compare."+format, b.Bytes())
		})
	}
}

func TestVerdictGridGolden(t *testing.T) {
	for _, format := range Formats {
		t.Run("verdicts as "+format, func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderGrid(&b, VerdictGrid(clarenceReport()), format); err != nil {
				t.Fatal(err)
			}
			golden(t, "verdicts."+format, b.Bytes())
		})
	}
}
