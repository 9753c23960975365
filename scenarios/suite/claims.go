package suite

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/claims"
)

type claimOptions struct {
	Require string `yaml:"require"`
}

// buildClaims parses the suite's claims against the claim catalogue.
func (s *Suite) buildClaims(file string, line int, nodes []yaml.Node, def results.Requirement) error {
	if len(nodes) == 0 {
		return &ConfigError{File: file, Line: line, Field: "claims", Msg: "a suite needs at least one claim"}
	}
	run := map[string]bool{}
	for _, st := range s.Steps {
		run[st.Probe] = true
	}
	for i := range nodes {
		c, err := claimEntry(file, &nodes[i], fmt.Sprintf("claims[%d]", i), def, run)
		if err != nil {
			return err
		}
		s.Claims = append(s.Claims, c)
	}
	return nil
}

// claimEntry parses one entry of claims: a mapping naming one claim kind,
// and optionally require. run holds the probe kinds the suite runs.
func claimEntry(file string, n *yaml.Node, field string, def results.Requirement, run map[string]bool) (claims.Claim, error) {
	if n.Kind != yaml.MappingNode {
		return claims.Claim{}, &ConfigError{File: file, Line: n.Line, Field: field, Msg: "a claim is a mapping like `operator.not_in: [Amazon]`"}
	}
	var (
		kind    claims.Kind
		valNode *yaml.Node
		opts    claimOptions
	)
	for k := 0; k+1 < len(n.Content); k += 2 {
		key, val := n.Content[k], n.Content[k+1]
		if key.Value == "require" {
			if err := DecodeStrict(file, val, &opts.Require, field+".require"); err != nil {
				return claims.Claim{}, err
			}
			continue
		}
		ck, ok := claims.Lookup(key.Value)
		if !ok {
			return claims.Claim{}, &ConfigError{File: file, Line: key.Line, Field: field, Msg: fmt.Sprintf("unknown claim %q%s", key.Value, suggestClaim(key.Value))}
		}
		if valNode != nil {
			return claims.Claim{}, &ConfigError{File: file, Line: key.Line, Field: field, Msg: fmt.Sprintf("one claim per entry: %q follows %q", key.Value, kind.Name)}
		}
		kind, valNode = ck, val
	}
	if valNode == nil {
		return claims.Claim{}, &ConfigError{File: file, Line: n.Line, Field: field, Msg: "entry names no claim"}
	}
	req := def
	switch results.Requirement(opts.Require) {
	case "":
	case results.RequirePass, results.RequireNoFail:
		req = results.Requirement(opts.Require)
	default:
		return claims.Claim{}, &ConfigError{File: file, Line: n.Line, Field: field + ".require", Msg: fmt.Sprintf("%q is not pass or no_fail", opts.Require)}
	}
	if !slices.ContainsFunc(kind.Needs, func(p string) bool { return run[p] }) {
		return claims.Claim{}, &ConfigError{File: file, Line: n.Line, Field: field, Msg: fmt.Sprintf("claim %s needs probe %s, which the suite does not run", kind.Name, strings.Join(kind.Needs, " or "))}
	}
	c, err := parseClaim(kind, file, valNode, field+"."+kind.Name)
	if err != nil {
		return claims.Claim{}, err
	}
	c.Params, c.Require, c.Line = canonical(valNode), req, n.Line
	return c, nil
}

// parseClaim decodes a claim's parameters strictly from n and checks them;
// a failed check is placed at n like a decoding error.
func parseClaim(kind claims.Kind, file string, n *yaml.Node, path string) (claims.Claim, error) {
	c, err := kind.Parse(func(v any) error { return DecodeStrict(file, n, v, path) })
	if err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			return claims.Claim{}, err
		}
		return claims.Claim{}, &ConfigError{File: file, Line: n.Line, Field: path, Msg: err.Error()}
	}
	return c, nil
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

func suggestClaim(name string) string {
	if s := suggest(name, claims.Names()); strings.HasPrefix(s, " (did") {
		return s
	}
	return " (see `sovbench claims`)"
}
