package plan

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// Plan is what one target runs. It is the message a runner sends to
// "sovbench agent --stdio" on a lab host or over SSH.
type Plan struct {
	Target      probes.Target `json:"target"`
	Concurrency int           `json:"concurrency"`
	Steps       []PlanStep    `json:"steps"`
	// RunID and SuiteSHA256 enter the evidence digest a TPM quote binds.
	RunID       string `json:"run_id,omitempty"`
	SuiteSHA256 string `json:"suite_sha256,omitempty"`
	// VerifierNonce is the verifier's fresh nonce for TPM quotes; its
	// source is "harness" in a one-shot run, "remote" from a verifier service.
	VerifierNonce  []byte `json:"verifier_nonce,omitempty"`
	VerifierSource string `json:"verifier_source,omitempty"`
	// Progress asks the agent to write progress lines (StepProgress)
	// between the evidence lines. An agent that predates them ignores the
	// field (plans decode leniently) and writes evidence only.
	Progress bool `json:"progress,omitempty"`
}

// PlanStep is one probe to run. In JSON, Probe names the kind of Params:
// the agent decodes them strictly into that kind's type (unknown fields
// are refused) and validates them again before it builds the probe.
type PlanStep struct {
	ID    string `json:"id"`
	Probe string `json:"probe"`
	// Timeout bounds the whole probe; zero leaves only the run's context.
	Timeout results.Duration `json:"timeout"`
	// Params are the kind's typed parameters; nil means its defaults.
	Params probes.Params `json:"params,omitempty"`

	// decodeErr is why Params did not decode; the step then records it
	// as its failure, as a probe that cannot run does.
	decodeErr error
}

// UnmarshalJSON decodes a step and its parameters, strictly, into the
// parameter type of the kind it names. A step whose kind is unknown or
// whose parameters do not decode still decodes: running it records why it
// cannot run, and the plan's other steps run.
func (st *PlanStep) UnmarshalJSON(b []byte) error {
	var raw struct {
		ID      string           `json:"id"`
		Probe   string           `json:"probe"`
		Timeout results.Duration `json:"timeout"`
		Params  rawView          `json:"params"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*st = PlanStep{ID: raw.ID, Probe: raw.Probe, Timeout: raw.Timeout}
	if len(raw.Params) == 0 || string(raw.Params) == "null" {
		return nil
	}
	st.Params, st.decodeErr = probes.DecodeParams(raw.Probe, func(v any) error {
		dec := json.NewDecoder(bytes.NewReader(raw.Params))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return fmt.Errorf("decoding %s parameters: %w", raw.Probe, err)
		}
		return nil
	})
	return nil
}

// EvidenceID is the ID of the evidence a step produces on a target.
func EvidenceID(target, step string) string { return target + "/" + step }

// rawView is a JSON value's bytes as the decoder holds them: unlike
// json.RawMessage it does not copy them (a large sweep's parameters are
// half a megabyte), so it is valid only inside the UnmarshalJSON that
// decoded it.
type rawView []byte

// UnmarshalJSON keeps b itself.
func (r *rawView) UnmarshalJSON(b []byte) error {
	*r = b
	return nil
}
