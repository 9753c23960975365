package results

import (
	"fmt"
	"time"
)

// Schema is the version tag of the Report format. v2: the rtt evidence
// details moved from the JSON key "latency" to "rtt" (one name per concept).
const Schema = "sovbench.report/v2"

// RunStatus says whether every probe ran to its end.
type RunStatus string

// Run statuses.
const (
	RunComplete   RunStatus = "complete"
	RunIncomplete RunStatus = "incomplete" // interrupted or out of budget; evidence so far is kept
)

// Report is the record of one run of a suite: the suite itself, the evidence
// every probe produced, and the verdict on every claim.
type Report struct {
	Schema   string    `json:"schema"`
	RunID    string    `json:"run_id"`
	Harness  Harness   `json:"harness"`
	Suite    SuiteRef  `json:"suite"`
	Provider Provider  `json:"provider"`
	Targets  []Target  `json:"targets"`
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended"`
	Status   RunStatus `json:"status"`
	// Interruption says why the run is incomplete.
	Interruption string     `json:"interruption,omitempty"`
	Evidence     []Evidence `json:"evidence"`
	Verdicts     []Verdict  `json:"verdicts"`
}

// Harness names the program that produced a report.
type Harness struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
}

// SuiteRef is the suite a report ran, embedded whole so that anyone can
// re-evaluate the claims from the evidence.
type SuiteRef struct {
	Name   string `json:"name"`
	Path   string `json:"path,omitempty"` // the suite file's name, without its folder
	SHA256 string `json:"sha256"`
	Source string `json:"source"`
}

// Provider is who the suite is about and what it claims, as stated in the suite.
type Provider struct {
	Name   string `json:"name"`
	Claims string `json:"claims,omitempty"`
}

// Target is a host the suite ran on.
type Target struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"` // local, lab, ssh, agent
	Address string `json:"address,omitempty"`
	// AgentID is, for a run a fleet agent submitted ("sovbench serve"),
	// the identity the verifier issued to that agent; Address is then the
	// agent's name, a label unique in the verifier's store.
	AgentID string `json:"agent_id,omitempty"`
}

// Counts tallies verdict statuses.
type Counts struct {
	Pass, Fail, Inconclusive, Error int
}

// Total is the number of verdicts counted.
func (c Counts) Total() int { return c.Pass + c.Fail + c.Inconclusive + c.Error }

func (c Counts) String() string {
	return fmt.Sprintf("%d pass, %d fail, %d inconclusive, %d error", c.Pass, c.Fail, c.Inconclusive, c.Error)
}

// Counts tallies the report's verdicts.
func (r *Report) Counts() Counts {
	var c Counts
	for _, v := range r.Verdicts {
		switch v.Status {
		case StatusPass:
			c.Pass++
		case StatusFail:
			c.Fail++
		case StatusInconclusive:
			c.Inconclusive++
		default:
			c.Error++
		}
	}
	return c
}

// Satisfied reports whether every verdict meets its requirement and the run
// is complete.
func (r *Report) Satisfied() bool {
	if r.Status != RunComplete {
		return false
	}
	for _, v := range r.Verdicts {
		if !v.Require.Satisfied(v.Status) {
			return false
		}
	}
	return true
}

// FindEvidence returns the evidence record with the given ID, or nil.
func (r *Report) FindEvidence(id string) *Evidence {
	for i := range r.Evidence {
		if r.Evidence[i].ID == id {
			return &r.Evidence[i]
		}
	}
	return nil
}
