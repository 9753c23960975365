package verify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/claims"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// verdictChecks re-evaluates every claim of the report's embedded suite
// against the report's evidence, in ctx (the signer, the verifier's trust
// anchors), and compares each verdict with the recorded one: status,
// requirement, reason, figure, evidence references and trust anchors.
func (v *Verifier) verdictChecks(rep *results.Report, ctx claims.Context) []Check {
	s, err := v.suite(rep)
	if err != nil {
		return []Check{{Name: CheckVerdicts, Detail: fmt.Sprintf("parsing the embedded suite: %v", err)}}
	}
	got := claims.EvaluateIn(ctx, s.Claims, s.TargetNames(), rep.Evidence)
	var out []Check
	for i := range max(len(got), len(rep.Verdicts)) {
		switch {
		case i >= len(rep.Verdicts):
			g := got[i]
			out = append(out, Check{Name: CheckVerdicts, Subject: label(g),
				Detail: fmt.Sprintf("missing from the report; the evidence gives %s", g.Status)})
		case i >= len(got):
			r := rep.Verdicts[i]
			out = append(out, Check{Name: CheckVerdicts, Subject: label(r),
				Detail: fmt.Sprintf("recorded %s, but the suite states no such claim", r.Status)})
		default:
			if d := diff(rep.Verdicts[i], got[i]); d != "" {
				d += v.missingRoots(rep.Verdicts[i])
				out = append(out, Check{Name: CheckVerdicts, Subject: label(rep.Verdicts[i]), Detail: d})
			}
		}
	}
	if len(out) == 0 {
		out = append(out, Check{Name: CheckVerdicts, OK: true,
			Detail: fmt.Sprintf("all %d verdicts re-evaluated from the evidence match", len(got))})
	}
	return out
}

// suite parses the report's embedded suite, once per distinct path and
// source: a parsed suite is immutable and its claims are pure, so reports of
// the same suite share it.
func (v *Verifier) suite(rep *results.Report) (*suite.Suite, error) {
	key := suiteKey{rep.Suite.Path, rep.Suite.Source}
	v.mu.Lock()
	s, ok := v.suites[key]
	v.mu.Unlock()
	if ok {
		return s, nil
	}
	s, err := suite.ParseLimited(rep.Suite.Path, []byte(rep.Suite.Source), v.Limits)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	if v.suites == nil || len(v.suites) >= maxCachedSuites {
		v.suites = map[suiteKey]*suite.Suite{}
	}
	// The key's strings share the report's payload: keep copies, not
	// the whole payload.
	v.suites[suiteKey{strings.Clone(key.path), strings.Clone(key.source)}] = s
	v.mu.Unlock()
	return s, nil
}

// suiteKey is the path and the whole source, not a digest: a suite that
// differs in any byte is parsed anew. (A struct, not one string: looking
// it up copies nothing.)
type suiteKey struct{ path, source string }

// maxCachedSuites bounds the parsed-suite cache.
const maxCachedSuites = 64

func label(v results.Verdict) string { return v.Target + " " + v.Key() }

// diff says how a recorded verdict differs from the re-evaluated one, or "".
func diff(rec, re results.Verdict) string {
	switch {
	case rec.Claim != re.Claim || rec.Params != re.Params || rec.Target != re.Target:
		return fmt.Sprintf("recorded as %s, the suite says %s here", label(rec), label(re))
	case rec.Status != re.Status:
		return fmt.Sprintf("recorded %s, the evidence gives %s (%s)", rec.Status, re.Status, re.Reason)
	case rec.Require != re.Require:
		return fmt.Sprintf("recorded requirement %s, the suite says %s", rec.Require, re.Require)
	case rec.Reason != re.Reason:
		return fmt.Sprintf("recorded reason %q, the evidence gives %q", rec.Reason, re.Reason)
	case rec.Figure != re.Figure:
		return fmt.Sprintf("recorded figure %q, the evidence gives %q", rec.Figure, re.Figure)
	case !slices.Equal(rec.Evidence, re.Evidence):
		return fmt.Sprintf("recorded evidence %v, the evidence gives %v", rec.Evidence, re.Evidence)
	case !slices.Equal(rec.Roots, re.Roots):
		return fmt.Sprintf("recorded trust anchors %v, the evidence gives %v", rec.Roots, re.Roots)
	}
	return ""
}

// missingRoots names the anchors a recorded verdict rests on that this
// verifier does not hold, the usual reason a TPM verdict does not
// reproduce on another machine.
func (v *Verifier) missingRoots(rec results.Verdict) string {
	var miss []string
	for _, d := range rec.Roots {
		if id, err := attest.ParseRootDigest(d); err != nil || v.roots().Lookup(id) == nil {
			miss = append(miss, d)
		}
	}
	if len(miss) == 0 {
		return ""
	}
	return fmt.Sprintf("; the verdict rests on trust anchor %s, which this verifier does not hold (not in the embedded bundle or --tpm-roots)", strings.Join(miss, ", "))
}
