package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unsafe"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/scenarios/claims"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// Check names, in the order they run.
const (
	CheckEnvelope  = "envelope"
	CheckSignature = "signature"
	CheckStatement = "statement"
	CheckSuite     = "suite"
	CheckSubjects  = "subjects"
	CheckTPM       = "tpm"
	CheckTEE       = "tee"
	CheckVerdicts  = "verdicts"
)

// Check is one verification step and its outcome.
type Check struct {
	Name string `json:"check"`
	// Subject is what a failed check is about: a subject name, an evidence
	// ID, a verdict's target and claim.
	Subject string `json:"subject,omitempty"`
	OK      bool   `json:"ok"`
	Detail  string `json:"detail"`
}

func (c Check) String() string {
	s := c.Name
	if c.Subject != "" {
		s += " " + c.Subject
	}
	return s + ": " + c.Detail
}

// Result is everything verification found about one signed report.
type Result struct {
	Source string `json:"source"`
	// Verified is OK() when the Result was made, for JSON readers.
	Verified bool `json:"verified"`
	// Signer is the key id of the trusted key whose signature verified.
	Signer string  `json:"signer,omitempty"`
	Checks []Check `json:"checks"`
	report *results.Report
}

// OK reports whether every check passed.
func (r *Result) OK() bool {
	if len(r.Checks) == 0 {
		return false
	}
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return true
}

// Failures lists the checks that failed.
func (r *Result) Failures() []Check {
	var out []Check
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

// Report returns the verified report, or an error listing what failed. It
// never returns a report that did not pass every check.
func (r *Result) Report() (*results.Report, error) {
	if !r.OK() {
		return nil, r.Err()
	}
	return r.report, nil
}

// Err is nil when every check passed, else a *FailedError.
func (r *Result) Err() error {
	if r.OK() {
		return nil
	}
	return &FailedError{Source: r.Source, Failures: r.Failures()}
}

// FailedError says a report did not verify and lists why.
type FailedError struct {
	Source   string
	Failures []Check
}

func (e *FailedError) Error() string {
	parts := make([]string, len(e.Failures))
	for i, c := range e.Failures {
		parts[i] = c.String()
	}
	return fmt.Sprintf("%s does not verify: %s", e.Source, strings.Join(parts, "; "))
}

// Verifier verifies signed reports against a set of trusted keys. It is
// safe for concurrent use; create it with a composite literal.
type Verifier struct {
	Keys []*sign.PublicKey
	// Limits bounds the report files File reads and the embedded suites
	// re-parsed (zero value: the defaults).
	Limits limits.Limits
	// TPM checks one TPM evidence record against the evidence digest of
	// its target (nil: TPMBinding, and the record's verification is reused
	// for the verdicts).
	TPM func(e *results.Evidence, evidenceDigest []byte) error
	// TPMRoots are the EK and AK trust anchors verdicts are re-evaluated
	// with (nil: the embedded bundle). A verdict that rests on an anchor
	// the verifier does not hold does not reproduce; the check says which.
	TPMRoots *attest.RootStore
	// TPMVerifiers, if set, are the key ids trusted to confirm TPM
	// bindings (claims.Context.Verifiers); nil trusts every report's signer.
	TPMVerifiers []string

	mu     sync.Mutex
	suites map[suiteKey]*suite.Suite // parsed embedded suites (suite)
	aks    attest.AKCache            // AKs checked in earlier reports
}

// File reads and verifies the signed report at path.
func (v *Verifier) File(ctx context.Context, path string) *Result {
	data, err := v.Limits.ReadFile(ctx, limits.ReportBytes, path)
	if err != nil {
		return &Result{Source: path, Checks: []Check{{Name: CheckEnvelope, Detail: fmt.Sprintf("reading report: %v", err)}}}
	}
	return v.Envelope(ctx, path, data)
}

// Envelope verifies an envelope file's bytes; source names it in messages.
// Checks stop at the first of envelope, signature and statement that fails
// (nothing after them can be trusted); the others all run. data must not
// change during the call; nothing keeps it afterwards.
func (v *Verifier) Envelope(ctx context.Context, source string, data []byte) *Result {
	res := v.envelope(ctx, source, data)
	res.Verified = res.OK()
	return res
}

func (v *Verifier) envelope(ctx context.Context, source string, data []byte) *Result {
	res := &Result{Source: source}
	if !sign.IsEnvelope(data) {
		res.Checks = append(res.Checks, Check{Name: CheckEnvelope,
			Detail: "not a signed report (no DSSE envelope); sign it with `sovbench sign`"})
		return res
	}
	fail := func(name, subject, detail string) {
		res.Checks = append(res.Checks, Check{Name: name, Subject: subject, Detail: detail})
	}
	pass := func(name, detail string) {
		res.Checks = append(res.Checks, Check{Name: name, OK: true, Detail: detail})
	}

	env, err := sign.ParseEnvelopeShared(data)
	if err != nil {
		fail(CheckEnvelope, "", err.Error())
		return res
	}
	pass(CheckEnvelope, "canonical DSSE envelope, payloadType "+env.PayloadType)
	signer, payload, err := sign.VerifySignature(ctx, env, v.Keys)
	if err != nil {
		fail(CheckSignature, "", err.Error())
		return res
	}
	res.Signer = signer
	pass(CheckSignature, "signed by trusted key "+signer)
	st, err := sign.DecodeStatement(payload)
	if err != nil {
		fail(CheckStatement, "", err.Error())
		return res
	}
	pass(CheckStatement, "in-toto Statement v1, predicateType "+st.PredicateType)
	rep := st.Predicate
	res.report = rep

	// The source's bytes are hashed where they are (Sum256 only reads
	// them): a copy would be 9 KB per demo report.
	src := unsafe.Slice(unsafe.StringData(rep.Suite.Source), len(rep.Suite.Source))
	if sum := sha256.Sum256(src); hex.EncodeToString(sum[:]) != rep.Suite.SHA256 {
		fail(CheckSuite, rep.Suite.Name, fmt.Sprintf("embedded source hashes to %x, report says %s", sum, rep.Suite.SHA256))
	} else {
		pass(CheckSuite, "embedded suite "+rep.Suite.Name+" matches its SHA-256")
	}
	if errs := sign.CheckSubjects(st); len(errs) > 0 {
		for _, e := range errs {
			fail(CheckSubjects, "", e.Error())
		}
	} else {
		pass(CheckSubjects, fmt.Sprintf("all %d subject digests match", len(st.Subject)))
	}
	tpm, verified := v.tpmChecks(rep, st.Records(), signer)
	res.Checks = append(res.Checks, tpm...)
	res.Checks = append(res.Checks, teeChecks(rep, st.Records())...)
	res.Checks = append(res.Checks, v.verdictChecks(rep, claims.Context{Signer: signer, TPMRoots: v.roots(), Verifiers: v.TPMVerifiers, Verified: verified})...)
	return res
}

// teeChecks checks every TEE evidence record's binding to the report
// (records as for tpmChecks).
func teeChecks(rep *results.Report, records [][]byte) []Check {
	var out []Check
	for i := range rep.Evidence {
		e := &rep.Evidence[i]
		if e.TEE == nil {
			continue
		}
		if len(e.TEE.Report) == 0 {
			out = append(out, Check{Name: CheckTEE, Subject: e.ID, Detail: errNoTEEReport.Error()})
			continue
		}
		detail, err := TEEBinding(e, results.EvidenceDigestFrom(rep.RunID, rep.Suite.SHA256, e.Target, rep.Evidence, records), rep)
		if err != nil {
			out = append(out, Check{Name: CheckTEE, Subject: e.ID, Detail: err.Error()})
			continue
		}
		out = append(out, Check{Name: CheckTEE, Subject: e.ID, OK: true, Detail: detail})
	}
	return out
}

// errNoQuote says a TPM record has nothing to bind.
var errNoQuote = errors.New("TPM evidence has no quote")
