package results

// Status is the outcome of evaluating one claim.
type Status string

// The four verdict statuses. "inconclusive" is honest; "pass" without a
// positive control is not.
const (
	StatusPass         Status = "pass"
	StatusFail         Status = "fail"
	StatusInconclusive Status = "inconclusive"
	StatusError        Status = "error"
)

// Requirement says which statuses satisfy a claim for the run's exit code.
type Requirement string

// Requirements.
const (
	RequirePass   Requirement = "pass"    // only pass satisfies the claim
	RequireNoFail Requirement = "no_fail" // pass or inconclusive satisfy it
)

// Satisfied reports whether s meets requirement q.
func (q Requirement) Satisfied(s Status) bool {
	switch s {
	case StatusPass:
		return true
	case StatusInconclusive:
		return q == RequireNoFail
	}
	return false
}

// Verdict is one claim evaluated against one target's evidence.
type Verdict struct {
	// Claim is the catalogued claim kind, e.g. "operator.not_in".
	Claim string `json:"claim"`
	// Params is the claim's parameters in canonical flow YAML, e.g. "[Amazon, Google]".
	Params  string      `json:"params"`
	Target  string      `json:"target"`
	Status  Status      `json:"status"`
	Require Requirement `json:"require"`
	// Reason is one line that says why.
	Reason string `json:"reason"`
	// Figure is the key number for tables ("0/412 reachable", "812 km").
	Figure string `json:"figure,omitempty"`
	// Evidence lists the IDs of the evidence records behind the verdict.
	Evidence []string `json:"evidence,omitempty"`
	// Roots are the trust anchors, by content ("sha256:<hex>" of the
	// certificate), the verdict rests on (a TPM's EK chain): a verifier
	// that does not hold them cannot reproduce it.
	Roots []string `json:"roots,omitempty"`
}

// Key identifies the claim independent of target: kind plus parameters.
func (v Verdict) Key() string {
	if v.Params == "" {
		return v.Claim
	}
	return v.Claim + ": " + v.Params
}
