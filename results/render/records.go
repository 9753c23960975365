package render

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/frameworks"
)

// VerdictRecord is one verdict of a comparison, for programs: what compare
// writes with -o json, jsonl or csv. Keys are fixed (snake_case), values
// whole (the full key id, the figure's number apart from its unit); like
// `index export`, it holds nothing the report does not, except the
// criteria (results/frameworks) and what is known about the signature.
type VerdictRecord struct {
	Provider string `json:"provider"`
	Suite    string `json:"suite"`
	Target   string `json:"target"`
	Claim    string `json:"claim"`
	// Params is the claim's parameters as the suite wrote them (flow YAML).
	Params    string              `json:"params"`
	Status    results.Status      `json:"status"`
	Require   results.Requirement `json:"require"`
	Satisfied bool                `json:"satisfied"`
	// Figure is the verdict's key figure as written ("1/7 reachable");
	// Value, Of and Unit are its number, its total and what it counts or
	// measures, when the figure has a number (see ParseFigure).
	Figure string   `json:"figure"`
	Value  *float64 `json:"value"`
	Of     *float64 `json:"of"`
	Unit   string   `json:"unit"`
	Reason string   `json:"reason"`
	// Criteria are the audit criteria the claim gives evidence for, as
	// "framework ref" labels.
	Criteria []string `json:"criteria"`
	RunID    string   `json:"run_id"`
	Started  string   `json:"started"` // RFC 3339, UTC
	// RunStatus is complete or incomplete.
	RunStatus   results.RunStatus `json:"run_status"`
	SuiteSHA256 string            `json:"suite_sha256"`
	// Report is the report file, relative to the results folder when the
	// run came from an index; empty when not known.
	Report string `json:"report"`
	// SignerKeyID is the whole hex key id of the report's signer, empty for
	// an unsigned report; Signature is verified, not_verified or unsigned.
	SignerKeyID string `json:"signer_key_id"`
	Signature   string `json:"signature"`
}

// Signature states of a VerdictRecord.
const (
	SignatureVerified    = "verified"
	SignatureNotVerified = "not_verified"
	SignatureUnsigned    = "unsigned"
)

// Records lists one VerdictRecord per verdict of the compared runs, in
// provider, suite and report order.
func (c Comparison) Records() []VerdictRecord {
	var out []VerdictRecord
	for _, r := range c.Runs {
		sig, state := "", SignatureUnsigned
		if s, ok := c.Signers[r.RunID]; ok {
			sig, state = s.KeyID, SignatureNotVerified
			if s.Verified {
				state = SignatureVerified
			}
		}
		for _, v := range r.Verdicts {
			rec := VerdictRecord{Provider: r.Provider, Suite: r.Suite, Target: v.Target, Claim: v.Claim, Params: v.Params,
				Status: v.Status, Require: v.Require, Satisfied: v.Require.Satisfied(v.Status), Figure: v.Figure, Reason: v.Reason,
				Criteria: []string{}, RunID: r.RunID, Started: r.Started.UTC().Format(time.RFC3339), RunStatus: r.Status,
				SuiteSHA256: r.SuiteSHA256, Report: r.Path, SignerKeyID: sig, Signature: state}
			rec.Value, rec.Of, rec.Unit = ParseFigure(v.Figure)
			for _, cr := range frameworks.For(v.Claim) {
				rec.Criteria = append(rec.Criteria, cr.Label())
			}
			out = append(out, rec)
		}
	}
	return out
}

var (
	ratioFigure  = regexp.MustCompile(`^(\d+)/(\d+) (\pL[\pL ]*)`)
	amountFigure = regexp.MustCompile(`^(-?\d+(?:\.\d+)?) ?(km²|km|ms|µs|s|%)(?:\s|$)`)
)

// ParseFigure reads the number in a verdict's figure, in the two forms the
// claims write: "N/M what" (value N of M, unit what: "1/7 reachable") and
// "N unit" ("812 km", "127 km² (r 7 km)"). A figure without a number
// ("simulated", "IE+US") gives nil and "".
func ParseFigure(s string) (value, of *float64, unit string) {
	if m := ratioFigure.FindStringSubmatch(s); m != nil {
		n, _ := strconv.ParseFloat(m[1], 64) // the pattern admits only digits
		d, _ := strconv.ParseFloat(m[2], 64)
		return &n, &d, strings.TrimSpace(m[3])
	}
	if m := amountFigure.FindStringSubmatch(s); m != nil {
		n, _ := strconv.ParseFloat(m[1], 64)
		return &n, nil, m[2]
	}
	return nil, nil, ""
}

// recordFields are the csv columns, in VerdictRecord's order.
var recordFields = []string{"provider", "suite", "target", "claim", "params", "status", "require", "satisfied",
	"figure", "value", "of", "unit", "reason", "criteria", "run_id", "started", "run_status", "suite_sha256",
	"report", "signer_key_id", "signature"}

func (r VerdictRecord) csvRow() []string {
	num := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', -1, 64)
	}
	return []string{r.Provider, r.Suite, r.Target, r.Claim, r.Params, string(r.Status), string(r.Require),
		strconv.FormatBool(r.Satisfied), r.Figure, num(r.Value), num(r.Of), r.Unit, r.Reason,
		strings.Join(r.Criteria, "; "), r.RunID, r.Started, string(r.RunStatus), r.SuiteSHA256, r.Report,
		r.SignerKeyID, r.Signature}
}

// WriteRecords writes records as json (one array), jsonl (one object a
// line) or csv (a header of the JSON keys, then one row a record).
func WriteRecords(w io.Writer, recs []VerdictRecord, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if recs == nil {
			recs = []VerdictRecord{}
		}
		return enc.Encode(recs)
	case "jsonl":
		enc := json.NewEncoder(w)
		for _, r := range recs {
			if err := enc.Encode(r); err != nil {
				return fmt.Errorf("writing records: %w", err)
			}
		}
		return nil
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(recordFields)
		for _, r := range recs {
			cw.Write(r.csvRow())
		}
		cw.Flush()
		return cw.Error()
	}
	return fmt.Errorf("records: format %q is not json, jsonl or csv", format)
}

// CompareOptions say what WriteComparison writes for people.
type CompareOptions struct {
	Text TextOptions
	// ClaimsOnly leaves the measurements out (the demo's table).
	ClaimsOnly bool
	// Runs adds the list of runs compared, one by one.
	Runs bool
}

// WriteComparison writes c: records for json, jsonl and csv; for text and
// markdown the claims table with its summary, the measurements table and,
// with o.Runs, the runs compared, each fitted to the terminal.
func WriteComparison(w io.Writer, c Comparison, format string, o CompareOptions) error {
	switch format {
	case "json", "jsonl", "csv":
		return WriteRecords(w, c.Records(), format)
	}
	grids := []Grid{c.ClaimsGrid()}
	if m := c.MeasurementsGrid(); !o.ClaimsOnly && len(m.Rows) > 0 {
		grids = append(grids, m)
	}
	if o.Runs {
		grids = append(grids, c.RunsGrid())
	}
	for i, g := range grids {
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return fmt.Errorf("writing table: %w", err)
			}
		}
		if err := WriteFit(w, g, format, o.Text); err != nil {
			return err
		}
	}
	return nil
}
