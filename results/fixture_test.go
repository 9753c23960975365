package results

import (
	"testing"
	"time"
)

// fixtureReport is a small report with every kind of evidence the renderers
// and the signer handle: host identity, landmark round trips, control-plane
// phases, a whole-probe failure, and verdicts of every status.
func fixtureReport(t testing.TB) *Report {
	t.Helper()
	t0 := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	ms := func(f float64) Duration { return Duration(time.Duration(f * float64(time.Millisecond))) }
	return &Report{
		Schema: Schema, RunID: "0193f5a2-7c1e-7d2a-9b1e-4f5d6c7b8a90",
		Harness: Harness{Name: "sovbench", Version: "0.1.0-test"},
		Suite: SuiteRef{Name: "fixture", Path: "fixture.yaml", SHA256: "5d41402abc4b2a76b9719d911017c592b08ae8e9dcbd0f38a1ff07d5f4a2a7c1",
			Source: "suite: fixture\n"},
		Provider: Provider{Name: "Clarence <EU> & co", Claims: "disconnected, in Luxembourg"},
		Targets:  []Target{{Name: "h1", Kind: "lab", Address: "sb-lab-h1"}},
		Started:  t0, Ended: t0.Add(3 * time.Second), Status: RunComplete,
		Evidence: []Evidence{
			{ID: "h1/host", Probe: "host", ProbeVersion: "1", Target: "h1", Start: t0, Duration: ms(12.5),
				Observations: []Observation{{At: ms(0.1), Operation: "read", Address: "/sys/class/dmi/id/sys_vendor", Took: ms(0.02)}},
				Host: &HostDetails{
					Kernel:   Claimed{Name: "kernel", Value: "6.1.0-lab", Source: "/proc/sys/kernel/osrelease"},
					CPU:      CPUInfo{Vendor: "GenuineIntel", Model: "Xeon", Source: "cpuid"},
					DMI:      []Claimed{{Name: "sys_vendor", Value: "Telindus <script>", Source: "/sys/class/dmi/id/sys_vendor"}},
					Operator: OperatorGuess{Name: "bare metal", Confidence: "low"},
				}},
			{ID: "h1/rtt", Probe: "latency", ProbeVersion: "1", Target: "h1", Start: t0.Add(time.Second), Duration: ms(900),
				Latency: &LatencyDetails{Landmarks: []LandmarkRTT{
					{Name: "Luxembourg", Address: "198.18.1.1:7", Lat: 49.61, Lon: 6.13, Method: "tcp", Samples: []Duration{ms(1.2), ms(1.4)}, Summary: Summary{Min: ms(1.2), P50: ms(1.3)}},
					{Name: "Virginia", Address: "198.18.2.1:7", Lat: 38.9, Lon: -77.0, Method: "tcp", Samples: []Duration{ms(81), ms(83)}, Summary: Summary{Min: ms(81), P50: ms(82)}},
				}}},
			{ID: "h1/api", Probe: "control_plane", ProbeVersion: "1", Target: "h1", Start: t0.Add(2 * time.Second), Duration: ms(300),
				ControlPlane: &ControlPlaneDetails{URL: "https://api.lab.test/", RTT: ms(1.1),
					Requests: []PhaseTimings{
						{Resolve: ms(0.3), Connect: ms(1.1), TLS: ms(2.4), Processing: ms(3.5), Transfer: ms(0.2), Total: ms(7.5), Status: 200},
						{Resolve: ms(0.2), Connect: ms(1.2), TLS: ms(2.2), Processing: ms(95), Transfer: ms(0.3), Total: ms(98.9), Status: 200},
					}}},
			{ID: "h1/egress", Probe: "egress", ProbeVersion: "1", Target: "h1", Start: t0.Add(2 * time.Second),
				Failure: &Failure{Class: ClassInterrupted, Operation: "run", Message: "the probe did not finish"}},
		},
		Verdicts: []Verdict{
			{Claim: "operator.not_in", Params: "[Amazon, Google]", Target: "h1", Status: StatusPass, Require: RequirePass, Reason: "DMI names Telindus", Figure: "bare metal", Evidence: []string{"h1/host"}},
			{Claim: "location.within", Params: "{country: LU}", Target: "h1", Status: StatusFail, Require: RequirePass, Reason: "Virginia is too close", Figure: "812 km", Evidence: []string{"h1/rtt"}},
			{Claim: "egress.none", Params: "{}", Target: "h1", Status: StatusInconclusive, Require: RequireNoFail, Reason: "egress probe interrupted", Evidence: []string{"h1/egress"}},
			{Claim: "control_plane.local", Params: "{}", Target: "h1", Status: StatusError, Require: RequirePass, Reason: "no control plane"},
		},
	}
}
