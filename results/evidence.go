package results

import "time"

// Evidence is what one probe observed on one target. Exactly one of the
// details pointers is set, matching Probe; the others stay nil. That keeps
// every payload typed (no interface{}) while one slice holds all kinds.
type Evidence struct {
	// ID is stable within a report ("<target>/<probe id>"); verdicts refer to it.
	ID           string    `json:"id"`
	Probe        string    `json:"probe"`
	ProbeVersion string    `json:"probe_version"`
	Target       string    `json:"target"`
	Start        time.Time `json:"start"`
	Duration     Duration  `json:"duration"`
	// Observations are the individual operations, times relative to Start.
	Observations []Observation `json:"observations,omitempty"`
	// Failure is set when the probe as a whole could not produce its result
	// (for example it was interrupted). Per-operation failures live in
	// Observations and in the details.
	Failure *Failure `json:"failure,omitempty"`

	Host         *HostDetails         `json:"host,omitempty"`
	Egress       *EgressDetails       `json:"egress,omitempty"`
	RTT          *RTTDetails          `json:"rtt,omitempty"`
	ControlPlane *ControlPlaneDetails `json:"control_plane,omitempty"`
	TPM          *TPMDetails          `json:"tpm,omitempty"`
	TEE          *TEEDetails          `json:"tee,omitempty"`
	Inbound      *InboundDetails      `json:"inbound,omitempty"`
	Jurisdiction *JurisdictionDetails `json:"jurisdiction,omitempty"`
	Canary       *CanaryDetails       `json:"canary,omitempty"`
}

// Observation is one operation a probe performed.
type Observation struct {
	At        Duration `json:"t"` // since Evidence.Start, monotonic
	Operation string   `json:"operation"`
	Address   string   `json:"address,omitempty"`
	Took      Duration `json:"took"`
	Failure   *Failure `json:"failure,omitempty"`
	Note      string   `json:"note,omitempty"`
}
