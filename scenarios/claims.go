package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/results"
)

// ClaimKind is one entry of the claim catalogue.
type ClaimKind struct {
	Name string
	Doc  string
	// Needs lists the probe kinds whose evidence the claim reads; a suite
	// with the claim must run at least one of them.
	Needs   []string
	Example string
	parse   func(file string, n *yaml.Node, path string) (evalFunc, error)
}

// Outcome is what a claim's evaluation decides for one target.
type Outcome struct {
	Status   results.Status
	Reason   string
	Figure   string
	Evidence []string
}

type evalFunc func(Facts) Outcome

// claimKind builds a catalogue entry whose parameters decode strictly into P.
// check validates the decoded parameters (nil: no extra checks).
func claimKind[P any](name, doc, example string, needs []string, check func(P) error, eval func(P, Facts) Outcome) ClaimKind {
	return ClaimKind{
		Name: name, Doc: doc, Needs: needs, Example: example,
		parse: func(file string, n *yaml.Node, path string) (evalFunc, error) {
			var p P
			if err := decodeStrict(file, n, &p, path); err != nil {
				return nil, err
			}
			if check != nil {
				if err := check(p); err != nil {
					return nil, &ConfigError{File: file, Line: n.Line, Field: path, Msg: err.Error()}
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
	// egress (claims_egress.go)
	claimEgressDisconnected, claimEgressAllowedOnly, claimEgressBlocked, claimDNSNoExternalResolution, claimTLSNoInterception,
	// TPM attestation (claims_tpm.go)
	claimTPMRequired, claimTPMManufacturerIn, claimTPMEKChainValid, claimTPMSecureBoot, claimTPMPCRPolicy, claimTPMOperatorNotIn,
)

func catalogueOf(kinds ...ClaimKind) map[string]ClaimKind {
	m := make(map[string]ClaimKind, len(kinds))
	for _, k := range kinds {
		if _, dup := m[k.Name]; dup {
			panic("scenarios: claim catalogued twice: " + k.Name)
		}
		m[k.Name] = k
	}
	return m
}

// ClaimKinds lists the catalogue sorted by name.
func ClaimKinds() []ClaimKind {
	out := make([]ClaimKind, 0, len(catalogue))
	for _, k := range catalogue {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b ClaimKind) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Claim is one claim of a suite, parsed and ready to evaluate.
type Claim struct {
	Kind    string
	Params  string // canonical flow YAML
	Require results.Requirement
	Line    int
	eval    evalFunc
}

type claimOptions struct {
	Require string `yaml:"require"`
}

func (s *Suite) buildClaims(file string, line int, nodes []yaml.Node, def results.Requirement) error {
	if len(nodes) == 0 {
		return &ConfigError{File: file, Line: line, Field: "claims", Msg: "a suite needs at least one claim"}
	}
	run := map[string]bool{}
	for _, st := range s.Steps {
		run[st.Probe] = true
	}
	for i := range nodes {
		n := &nodes[i]
		field := fmt.Sprintf("claims[%d]", i)
		if n.Kind != yaml.MappingNode {
			return &ConfigError{File: file, Line: n.Line, Field: field, Msg: "a claim is a mapping like `operator.not_in: [Amazon]`"}
		}
		var (
			kind    ClaimKind
			valNode *yaml.Node
			opts    claimOptions
		)
		for k := 0; k+1 < len(n.Content); k += 2 {
			key, val := n.Content[k], n.Content[k+1]
			if key.Value == "require" {
				if err := decodeStrict(file, val, &opts.Require, field+".require"); err != nil {
					return err
				}
				continue
			}
			ck, ok := catalogue[key.Value]
			if !ok {
				return &ConfigError{File: file, Line: key.Line, Field: field, Msg: fmt.Sprintf("unknown claim %q%s", key.Value, suggestClaim(key.Value))}
			}
			if valNode != nil {
				return &ConfigError{File: file, Line: key.Line, Field: field, Msg: fmt.Sprintf("one claim per entry: %q follows %q", key.Value, kind.Name)}
			}
			kind, valNode = ck, val
		}
		if valNode == nil {
			return &ConfigError{File: file, Line: n.Line, Field: field, Msg: "entry names no claim"}
		}
		req := def
		switch results.Requirement(opts.Require) {
		case "":
		case results.RequirePass, results.RequireNoFail:
			req = results.Requirement(opts.Require)
		default:
			return &ConfigError{File: file, Line: n.Line, Field: field + ".require", Msg: fmt.Sprintf("%q is not pass or no_fail", opts.Require)}
		}
		if !slices.ContainsFunc(kind.Needs, func(p string) bool { return run[p] }) {
			return &ConfigError{File: file, Line: n.Line, Field: field, Msg: fmt.Sprintf("claim %s needs probe %s, which the suite does not run", kind.Name, strings.Join(kind.Needs, " or "))}
		}
		eval, err := kind.parse(file, valNode, field+"."+kind.Name)
		if err != nil {
			return err
		}
		s.Claims = append(s.Claims, Claim{Kind: kind.Name, Params: canonical(valNode), Require: req, Line: n.Line, eval: eval})
	}
	return nil
}

// canonical renders a parameter node as one line of flow YAML.
func canonical(n *yaml.Node) string {
	c := *n
	setFlow(&c)
	b, err := yaml.Marshal(&c)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func setFlow(n *yaml.Node) {
	n.Style |= yaml.FlowStyle
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	if len(n.Content) > 0 {
		cs := make([]*yaml.Node, len(n.Content))
		for i, c := range n.Content {
			cc := *c
			setFlow(&cc)
			cs[i] = &cc
		}
		n.Content = cs
	}
}

// Facts is the evidence of one target that claims are evaluated against.
type Facts struct {
	Target   string
	Evidence []results.Evidence
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

// Evaluate evaluates every claim of the suite against the evidence, per
// target, in suite order. It is pure: verify re-runs it on a report.
func Evaluate(s *Suite, evidence []results.Evidence) []results.Verdict {
	byTarget := map[string][]results.Evidence{}
	for _, e := range evidence {
		byTarget[e.Target] = append(byTarget[e.Target], e)
	}
	var out []results.Verdict
	for _, c := range s.Claims {
		for _, t := range s.Targets {
			o := c.eval(Facts{Target: t.Name, Evidence: byTarget[t.Name]})
			out = append(out, results.Verdict{
				Claim: c.Kind, Params: c.Params, Target: t.Name, Status: o.Status,
				Require: c.Require, Reason: o.Reason, Figure: o.Figure, Evidence: o.Evidence,
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

func suggestClaim(name string) string {
	if s := suggest(name, sortedKeys(catalogue)); strings.HasPrefix(s, " (did") {
		return s
	}
	return " (see `sovbench claims`)"
}
