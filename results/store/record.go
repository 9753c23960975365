package store

import (
	"path/filepath"
	"slices"
	"time"

	"github.com/sovbench/sovbench/results"
)

// RunRecord is one run as the index holds it and as `sovbench index export`
// writes it (one JSON object per line): enough to list, compare and export
// runs without reading their report files. It is derived from a Report by
// RecordOf and never holds anything the report does not.
type RunRecord struct {
	RunID        string            `json:"run_id"`
	Provider     string            `json:"provider"`
	Suite        string            `json:"suite"`
	SuiteSHA256  string            `json:"suite_sha256"`
	Status       results.RunStatus `json:"status"`
	Interruption string            `json:"interruption,omitempty"`
	Started      time.Time         `json:"started"`
	Ended        time.Time         `json:"ended"`
	Harness      string            `json:"harness_version"`
	// Path is the report file, relative to the results directory and
	// slash-separated when the run came from an index.
	Path    string   `json:"path"`
	Targets []string `json:"targets"`
	// The verdict counts, as Report.Counts tallies them.
	Pass         int  `json:"pass"`
	Fail         int  `json:"fail"`
	Inconclusive int  `json:"inconclusive"`
	Error        int  `json:"error"`
	Satisfied    bool `json:"satisfied"`
	// Verdicts are the report's verdicts in report order, without their
	// evidence references (the report file has those).
	Verdicts []results.Verdict `json:"verdicts"`
	// Measurements are the key figures compare shows next to the claims.
	Measurements []Measurement `json:"measurements,omitempty"`
}

// Counts returns the record's verdict counts.
func (rr *RunRecord) Counts() results.Counts {
	return results.Counts{Pass: rr.Pass, Fail: rr.Fail, Inconclusive: rr.Inconclusive, Error: rr.Error}
}

// RecordOf summarises r, stored at path, as a RunRecord. Times are in UTC
// without a monotonic reading, so a record survives a JSON or index round
// trip unchanged.
func RecordOf(r *results.Report, path string) RunRecord {
	c := r.Counts()
	rr := RunRecord{
		RunID:        r.RunID,
		Provider:     r.Provider.Name,
		Suite:        r.Suite.Name,
		SuiteSHA256:  r.Suite.SHA256,
		Status:       r.Status,
		Interruption: r.Interruption,
		Started:      r.Started.UTC(),
		Ended:        r.Ended.UTC(),
		Harness:      r.Harness.Version,
		Path:         filepath.ToSlash(path),
		Targets:      targetNames(r),
		Pass:         c.Pass,
		Fail:         c.Fail,
		Inconclusive: c.Inconclusive,
		Error:        c.Error,
		Satisfied:    r.Satisfied(),
		Verdicts:     make([]results.Verdict, len(r.Verdicts)),
		Measurements: Measurements(r),
	}
	for i, v := range r.Verdicts {
		v.Evidence = nil
		rr.Verdicts[i] = v
	}
	return rr
}

// targetNames lists the report's targets in report order, adding any that
// only verdicts name.
func targetNames(r *results.Report) []string {
	names := []string{}
	for _, t := range r.Targets {
		if !slices.Contains(names, t.Name) {
			names = append(names, t.Name)
		}
	}
	for _, v := range r.Verdicts {
		if v.Target != "" && !slices.Contains(names, v.Target) {
			names = append(names, v.Target)
		}
	}
	return names
}
