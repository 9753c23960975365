package testreport

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/results"
)

// Fixture is a small report with every kind of evidence the renderers
// and the signer handle: host identity, landmark round trips, control-plane
// phases, a whole-probe failure, and verdicts of every status.
func Fixture(t testing.TB) *results.Report {
	t.Helper()
	t0 := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	ms := func(f float64) results.Duration {
		return results.Duration(time.Duration(f * float64(time.Millisecond)))
	}
	return &results.Report{
		Schema: results.Schema, RunID: "0193f5a2-7c1e-7d2a-9b1e-4f5d6c7b8a90",
		Harness: results.Harness{Name: "sovbench", Version: "0.1.0-test"},
		Suite: results.SuiteRef{Name: "fixture", Path: "fixture.yaml", SHA256: "5d41402abc4b2a76b9719d911017c592b08ae8e9dcbd0f38a1ff07d5f4a2a7c1",
			Source: "suite: fixture\n"},
		Provider: results.Provider{Name: "Clarence <EU> & co", Claims: "disconnected, in Luxembourg"},
		Targets:  []results.Target{{Name: "h1", Kind: "lab", Address: "sb-lab-h1"}},
		Started:  t0, Ended: t0.Add(3 * time.Second), Status: results.RunComplete,
		Evidence: []results.Evidence{
			{ID: "h1/host", Probe: "host", ProbeVersion: "1", Target: "h1", Start: t0, Duration: ms(12.5),
				Observations: []results.Observation{{At: ms(0.1), Operation: "read", Address: "/sys/class/dmi/id/sys_vendor", Took: ms(0.02)}},
				Host: &results.HostDetails{
					Kernel:   results.Claimed{Name: "kernel", Value: "6.1.0-lab", Source: "/proc/sys/kernel/osrelease"},
					CPU:      results.CPUInfo{Vendor: "GenuineIntel", Model: "Xeon", Source: "cpuid"},
					DMI:      []results.Claimed{{Name: "sys_vendor", Value: "Telindus <script>", Source: "/sys/class/dmi/id/sys_vendor"}},
					Operator: results.OperatorGuess{Name: "bare metal", Confidence: "low"},
				}},
			{ID: "h1/rtt", Probe: "rtt", ProbeVersion: "1", Target: "h1", Start: t0.Add(time.Second), Duration: ms(900),
				RTT: &results.RTTDetails{Landmarks: []results.LandmarkRTT{
					{Name: "Luxembourg", Address: "198.18.1.1:7", Lat: 49.61, Lon: 6.13, Method: "tcp", Samples: []results.Duration{ms(1.2), ms(1.4)}, Summary: results.Summary{Min: ms(1.2), P50: ms(1.3)}},
					{Name: "Virginia", Address: "198.18.2.1:7", Lat: 38.9, Lon: -77.0, Method: "tcp", Samples: []results.Duration{ms(81), ms(83)}, Summary: results.Summary{Min: ms(81), P50: ms(82)}},
				}}},
			{ID: "h1/api", Probe: "control_plane", ProbeVersion: "1", Target: "h1", Start: t0.Add(2 * time.Second), Duration: ms(300),
				ControlPlane: &results.ControlPlaneDetails{URL: "https://api.lab.test/", RTT: ms(1.1),
					Requests: []results.PhaseTimings{
						{Resolve: ms(0.3), Connect: ms(1.1), TLS: ms(2.4), Processing: ms(3.5), Transfer: ms(0.2), Total: ms(7.5), Status: 200},
						{Resolve: ms(0.2), Connect: ms(1.2), TLS: ms(2.2), Processing: ms(95), Transfer: ms(0.3), Total: ms(98.9), Status: 200},
					}}},
			{ID: "h1/egress", Probe: "egress", ProbeVersion: "1", Target: "h1", Start: t0.Add(2 * time.Second),
				Failure: &results.Failure{Class: results.ClassInterrupted, Operation: "run", Message: "the probe did not finish"}},
		},
		Verdicts: []results.Verdict{
			{Claim: "operator.not_in", Params: "[Amazon, Google, Telindus]", Target: "h1", Status: results.StatusFail, Require: results.RequireNoFail, Reason: "DMI names Telindus, a listed operator", Figure: "Telindus", Evidence: []string{"h1/host"}},
			{Claim: "location.in", Params: "LU", Target: "h1", Status: results.StatusPass, Require: results.RequirePass, Reason: "the feasible region (761 km², within 19 km of 49.84, 6.11) lies in LU; Virginia answered in 81 ms", Figure: "761 km²", Evidence: []string{"h1/rtt"}},
			{Claim: "egress.disconnected", Params: "true", Target: "h1", Status: results.StatusInconclusive, Require: results.RequireNoFail, Reason: "egress probe interrupted", Evidence: []string{"h1/egress"}},
			{Claim: "control_plane.max_distance_km", Params: "100", Target: "h1", Status: results.StatusError, Require: results.RequirePass, Reason: "no control plane"},
		},
	}
}

// claimedWord is what the claims say of a host-identity value that would
// pass but rests on the provider's word alone (scenarios/claims).
const claimedWord = "the host's own word (the provider writes DMI strings and CPUID signatures and can block a metadata service), which can fail this claim but not pass it; nothing attested confirms it"

// T0 is when Clarence starts; S3NS starts an hour later.
var T0 = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

// Clarence is a lab run on two hosts: one of them reaches a
// destination it should not, so the egress claim fails there.
func Clarence() *results.Report {
	return &results.Report{
		Schema: results.Schema, RunID: "0193a1b2-0000-7000-8000-00000000c1a4",
		Harness:  results.Harness{Name: "sovbench", Version: "0.1.0"},
		Suite:    results.SuiteRef{Name: "disconnected", SHA256: strings.Repeat("ab", 32), Source: "suite: disconnected\n"},
		Provider: results.Provider{Name: "Clarence", Claims: "disconnected; operated by Proximus in Luxembourg"},
		Targets:  []results.Target{{Name: "h1", Kind: "lab"}, {Name: "h2", Kind: "lab"}},
		Started:  T0, Ended: T0.Add(42 * time.Second), Status: results.RunComplete,
		Evidence: []results.Evidence{
			{ID: "h1/host", Probe: "host", ProbeVersion: "1", Target: "h1", Start: T0, Duration: results.Duration(120 * time.Millisecond),
				Host: &results.HostDetails{Operator: results.OperatorGuess{Name: "bare metal", Confidence: "medium"}}},
			{ID: "h2/host", Probe: "host", ProbeVersion: "1", Target: "h2", Start: T0, Duration: results.Duration(110 * time.Millisecond),
				Host: &results.HostDetails{Operator: results.OperatorGuess{Name: "bare metal", Confidence: "medium"}}},
			{ID: "h1/egress", Probe: "egress", ProbeVersion: "1", Target: "h1", Start: T0, Duration: results.Duration(9 * time.Second),
				Egress: &results.EgressDetails{Summary: results.EgressSummary{Destinations: 412, Reachable: 0, Controls: 1, ControlsReachable: 1}}},
			{ID: "h2/egress", Probe: "egress", ProbeVersion: "1", Target: "h2", Start: T0, Duration: results.Duration(9 * time.Second),
				Egress: &results.EgressDetails{Summary: results.EgressSummary{Destinations: 412, Reachable: 3, Controls: 1, ControlsReachable: 1}},
				Observations: []results.Observation{{At: results.Duration(time.Millisecond), Operation: "connect", Address: "198.18.9.9:443",
					Took: results.Duration(3 * time.Second), Failure: &results.Failure{Class: results.ClassTimeout, Operation: "connect"}}}},
			{ID: "h1/rtt", Probe: "rtt", ProbeVersion: "1", Target: "h1", Start: T0, Duration: results.Duration(2 * time.Second),
				RTT: &results.RTTDetails{Landmarks: []results.LandmarkRTT{{Name: "luxembourg", Summary: results.Summary{N: 10, Min: results.Duration(812 * time.Microsecond)}}}}},
		},
		Verdicts: []results.Verdict{
			{Claim: "operator.not_in", Params: "[Amazon, Google, Microsoft]", Target: "h1", Status: results.StatusInconclusive, Require: results.RequireNoFail, Reason: "operator claimed: bare metal; " + claimedWord, Figure: "bare metal", Evidence: []string{"h1/host"}},
			{Claim: "operator.not_in", Params: "[Amazon, Google, Microsoft]", Target: "h2", Status: results.StatusInconclusive, Require: results.RequireNoFail, Reason: "operator claimed: bare metal; " + claimedWord, Figure: "bare metal", Evidence: []string{"h2/host"}},
			{Claim: "egress.disconnected", Params: "true", Target: "h1", Status: results.StatusPass, Require: results.RequirePass, Reason: "0 of 412 destinations reachable; 1 of 1 controls reachable", Figure: "0/412 reachable"},
			{Claim: "egress.disconnected", Params: "true", Target: "h2", Status: results.StatusFail, Require: results.RequirePass, Reason: "3 of 412 destinations reachable: 198.18.9.9:443/tcp telemetry, …", Figure: "3/412 reachable"},
		},
	}
}

// S3NS is a one-host run whose operator claim fails and whose egress
// claim is inconclusive.
func S3NS() *results.Report {
	start := T0.Add(time.Hour)
	return &results.Report{
		Schema: results.Schema, RunID: "0193a1b2-0000-7000-8000-0000000053e5",
		Harness:  results.Harness{Name: "sovbench", Version: "0.1.0"},
		Suite:    results.SuiteRef{Name: "disconnected", SHA256: strings.Repeat("cd", 32), Source: "suite: disconnected\n"},
		Provider: results.Provider{Name: "S3NS", Claims: "separated from Google's networks"},
		Targets:  []results.Target{{Name: "vm1", Kind: "lab"}},
		Started:  start, Ended: start.Add(31 * time.Second), Status: results.RunComplete,
		Evidence: []results.Evidence{
			{ID: "vm1/host", Probe: "host", ProbeVersion: "1", Target: "vm1", Start: start, Duration: results.Duration(90 * time.Millisecond),
				Host: &results.HostDetails{Operator: results.OperatorGuess{Name: "Google", Confidence: "high"},
					Hypervisor: results.Hypervisor{Present: true, Signature: "KVMKVMKVM", Vendor: "kvm"}}},
			{ID: "vm1/egress", Probe: "egress", ProbeVersion: "1", Target: "vm1", Start: start, Duration: results.Duration(12 * time.Second),
				Egress: &results.EgressDetails{Summary: results.EgressSummary{Destinations: 412, Reachable: 0, Controls: 1, ControlsReachable: 0}}},
		},
		Verdicts: []results.Verdict{
			{Claim: "operator.not_in", Params: "[Amazon, Google, Microsoft]", Target: "vm1", Status: results.StatusFail, Require: results.RequirePass, Reason: "operator claimed: Google (high: dmi, imds)", Figure: "Google"},
			{Claim: "egress.disconnected", Params: "true", Target: "vm1", Status: results.StatusInconclusive, Require: results.RequirePass, Reason: "no positive control was reachable, so nothing reachable proves nothing", Figure: "0/412 reachable, 0/1 controls"},
			{Claim: "hypervisor.present", Params: "false", Target: "vm1", Status: results.StatusFail, Require: results.RequireNoFail, Reason: "CPUID hypervisor bit set (KVMKVMKVM)"},
		},
	}
}

// Variant is r with another run id, started n hours later.
func Variant(r *results.Report, n int) *results.Report {
	r.RunID = fmt.Sprintf("%s-%03d", r.RunID[:len(r.RunID)-4], n)
	r.Started = r.Started.Add(time.Duration(n) * time.Hour)
	r.Ended = r.Ended.Add(time.Duration(n) * time.Hour)
	return r
}
