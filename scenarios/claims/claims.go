package claims

import (
	"slices"
	"strings"

	"github.com/sovbench/sovbench/results"
)

// Kind is one entry of the claim catalogue.
type Kind struct {
	Name string
	Doc  string
	// Needs lists the probe kinds whose evidence the claim reads; a suite
	// with the claim must run at least one of them.
	Needs   []string
	Example string
	parse   func(decode func(v any) error) (evalFunc, error)
}

// Parse decodes a claim's parameters with decode (the suite loader's strict
// decoder, whose errors say where) into the kind's parameter type and
// checks them. A failed check is a plain error: the loader places it.
func (k Kind) Parse(decode func(v any) error) (Claim, error) {
	eval, err := k.parse(decode)
	if err != nil {
		return Claim{}, err
	}
	return Claim{Kind: k.Name, eval: eval}, nil
}

// Claim is one claim of a suite, parsed and ready to evaluate.
type Claim struct {
	Kind string
	// Params are the claim's parameters as canonical flow YAML, as the
	// suite wrote them (a verdict shows them).
	Params  string
	Require results.Requirement
	// Line is the claim's line in its suite file.
	Line int
	eval evalFunc
}

// Outcome is what a claim's evaluation decides for one target.
type Outcome struct {
	Status   results.Status
	Reason   string
	Figure   string
	Evidence []string
	// Roots are the trust anchors ("sha256:<hex>") the outcome rests on.
	Roots []string
}

type evalFunc func(Facts) Outcome

// claimKind builds a catalogue entry whose parameters decode into P.
// check validates the decoded parameters (nil: no extra checks).
func claimKind[P any](name, doc, example string, needs []string, check func(P) error, eval func(P, Facts) Outcome) Kind {
	return Kind{
		Name: name, Doc: doc, Needs: needs, Example: example,
		parse: func(decode func(v any) error) (evalFunc, error) {
			var p P
			if err := decode(&p); err != nil {
				return nil, err
			}
			if check != nil {
				if err := check(p); err != nil {
					return nil, err
				}
			}
			return func(f Facts) Outcome { return eval(p, f) }, nil
		},
	}
}

// catalogue holds every claim kind, in one place. Probe families add their
// claims to this list.
var catalogue = catalogueOf(
	// jurisdiction (claims_jurisdiction.go)
	claimJurisdictionNotSubjectTo,
	claimJurisdictionWithin,
	// host identity (claims_host.go)
	claimOperatorNotIn,
	claimOperatorIn,
	claimHypervisorPresent, claimHypervisorVendorNotIn, claimDMIVendorNotIn, claimMetadataServiceNotIn,
	// round trips and location (claims_location.go)
	claimLocationIn, claimLocationNotIn, claimLocationWithinKm, claimControlPlaneMaxDistance,
	// round trips towards the host from outside (inbound.go)
	claimLocationConsistent, claimLocationInbound,
	// egress (claims_egress.go)
	claimEgressDisconnected, claimEgressAllowedOnly, claimEgressBlocked, claimDNSNoExternalResolution, claimTLSNoInterception,
	// TPM attestation (claims_tpm.go)
	claimTPMRequired, claimTPMManufacturerIn, claimTPMEKChainValid, claimTPMSecureBoot, claimTPMPCRPolicy, claimTPMOperatorNotIn,
	// confidential VMs: SEV-SNP, TDX (tee.go, tee_endorsed.go)
	claimTEERequired, claimTEEMeasurement, claimTEEEndorsedBy,
)

func catalogueOf(kinds ...Kind) map[string]Kind {
	m := make(map[string]Kind, len(kinds))
	for _, k := range kinds {
		if _, dup := m[k.Name]; dup {
			panic("claims: catalogued twice: " + k.Name)
		}
		m[k.Name] = k
	}
	return m
}

// Kinds lists the catalogue sorted by name.
func Kinds() []Kind {
	out := make([]Kind, 0, len(catalogue))
	for _, k := range catalogue {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b Kind) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Lookup returns the claim kind called name.
func Lookup(name string) (Kind, bool) {
	k, ok := catalogue[name]
	return k, ok
}

// Names lists the claim kinds' names, sorted.
func Names() []string {
	out := make([]string, 0, len(catalogue))
	for n := range catalogue {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Facts is the evidence of one target that claims are evaluated against.
type Facts struct {
	Target   string
	Evidence []results.Evidence
	// cache holds what claims derive from the evidence once per
	// evaluation (the location region): nil solves afresh every time.
	cache map[string]any
	// env is the evaluation's context and what it has verified once for
	// all claims (nil: the zero Context).
	env *env
}

// Of returns the evidence records of the given probe kind, in report order.
func (f Facts) Of(probe string) []*results.Evidence {
	var out []*results.Evidence
	for i := range f.Evidence {
		if f.Evidence[i].Probe == probe {
			out = append(out, &f.Evidence[i])
		}
	}
	return out
}

// Evaluate evaluates every claim against the evidence, per target, claims
// in suite order (a suite's Claims and TargetNames), in the zero Context: an
// unsigned report judged against the embedded EK CA bundle. It is pure:
// verify re-runs it on a report.
func Evaluate(claims []Claim, targets []string, evidence []results.Evidence) []results.Verdict {
	return EvaluateIn(Context{}, claims, targets, evidence)
}

// EvaluateIn is Evaluate in a context: who signs the report and which trust
// anchors the evaluator holds. Whoever evaluates before signing (run, serve)
// and whoever re-evaluates a signed report (verify) must pass the same
// signer, and anchors with the same content, to reach the same verdicts.
func EvaluateIn(ctx Context, claims []Claim, targets []string, evidence []results.Evidence) []results.Verdict {
	byTarget := map[string][]results.Evidence{}
	for _, e := range evidence {
		byTarget[e.Target] = append(byTarget[e.Target], e)
	}
	caches := map[string]map[string]any{}
	for _, t := range targets {
		caches[t] = map[string]any{}
	}
	ev := newEnv(ctx)
	var out []results.Verdict
	for _, c := range claims {
		for _, t := range targets {
			o := c.eval(Facts{Target: t, Evidence: byTarget[t], cache: caches[t], env: ev})
			out = append(out, results.Verdict{
				Claim: c.Kind, Params: c.Params, Target: t, Status: o.Status,
				Require: c.Require, Reason: o.Reason, Figure: o.Figure, Evidence: o.Evidence, Roots: o.Roots,
			})
		}
	}
	return out
}

func pass(reason, figure string, refs ...string) Outcome {
	return Outcome{Status: results.StatusPass, Reason: reason, Figure: figure, Evidence: refs}
}

func fail(reason, figure string, refs ...string) Outcome {
	return Outcome{Status: results.StatusFail, Reason: reason, Figure: figure, Evidence: refs}
}

func inconclusive(reason string, refs ...string) Outcome {
	return Outcome{Status: results.StatusInconclusive, Reason: reason, Evidence: refs}
}
