package suite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/internal/limits"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/claims"
)

// Defaults applied to suites that do not set them.
const (
	DefaultBudget      = 10 * time.Minute
	DefaultTimeout     = 60 * time.Second
	DefaultConcurrency = 4
	// DefaultTargetConcurrency bounds fan-out over many hosts.
	DefaultTargetConcurrency = 16
)

// Suite is a validated suite: every probe kind, parameter and claim in it is
// known and well-formed.
type Suite struct {
	Name        string
	Description string
	Path        string
	Source      []byte
	SHA256      string
	Provider    results.Provider
	Targets     []TargetSpec
	Budget      time.Duration
	Concurrency int
	// TargetConcurrency bounds how many targets run at once.
	TargetConcurrency int
	Steps             []Step
	Claims            []claims.Claim
}

// TargetNames lists the suite's targets by name, in suite order (what
// claims.Evaluate takes with the suite's Claims).
func (s *Suite) TargetNames() []string {
	out := make([]string, len(s.Targets))
	for i, t := range s.Targets {
		out[i] = t.Name
	}
	return out
}

// Step is one probe of the suite, run on each of its targets.
type Step struct {
	ID    string
	Probe string
	// Timeout bounds the whole probe (DefaultTimeout when the suite sets
	// none); parameters name the finer bounds (sample_timeout, ...).
	Timeout time.Duration
	Targets []string // empty: every target
	// Params is the probe's parameters, decoded strictly once with the
	// kind's defaults applied and validated (probes.DecodeParams).
	Params probes.Params
}

type suiteFile struct {
	Suite       string        `yaml:"suite"`
	Description string        `yaml:"description"`
	Provider    providerSpec  `yaml:"provider"`
	Targets     []TargetSpec  `yaml:"targets"`
	Budget      time.Duration `yaml:"budget"`
	Concurrency int           `yaml:"concurrency"`
	TargetConc  int           `yaml:"target_concurrency"`
	Require     string        `yaml:"require"`
	Probes      []probeSpec   `yaml:"probes"`
	Claims      []yaml.Node   `yaml:"claims"`
}

type providerSpec struct {
	Name   string `yaml:"name"`
	Claims string `yaml:"claims"`
}

type probeSpec struct {
	Probe   string        `yaml:"probe"`
	ID      string        `yaml:"id"`
	Timeout time.Duration `yaml:"timeout"`
	Targets []string      `yaml:"targets"`
	Params  yaml.Node     `yaml:"params"`
}

// Load reads and validates the suite file at path within lim: the file
// no larger than its suite-bytes bound (the read stops when ctx is done),
// the suite's counts within theirs.
func Load(ctx context.Context, path string, lim limits.Limits) (*Suite, error) {
	data, err := lim.ReadFile(ctx, limits.SuiteBytes, path)
	if err != nil {
		return nil, fmt.Errorf("reading suite: %w", err)
	}
	return ParseLimited(path, data, lim)
}

// Parse validates a suite's YAML source within the default limits. Errors
// are *ConfigError naming the file, line and field; nothing runs before a
// suite parses.
func Parse(file string, data []byte) (*Suite, error) {
	return ParseLimited(file, data, limits.Limits{})
}

// ParseLimited is Parse within lim: a source no larger than the
// suite-bytes bound, probes, targets and each egress probe's destinations
// no more than theirs.
func ParseLimited(file string, data []byte, lim limits.Limits) (*Suite, error) {
	if max := lim.Max(limits.SuiteBytes); int64(len(data)) > max {
		return nil, &ConfigError{File: file, Msg: (&limits.TooLargeError{Path: "the suite", Limit: limits.SuiteBytes, Max: max, Size: int64(len(data))}).Error()}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, syntaxError(file, err)
	}
	if len(doc.Content) == 0 {
		return nil, &ConfigError{File: file, Msg: "the file is empty (a suite starts with suite:, provider:, targets:, probes: and claims:)"}
	}
	var sf suiteFile
	if err := DecodeStrict(file, doc.Content[0], &sf, ""); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	s := &Suite{
		Name: sf.Suite, Description: sf.Description, Path: file, Source: data,
		SHA256:   hex.EncodeToString(sum[:]),
		Provider: results.Provider{Name: sf.Provider.Name, Claims: sf.Provider.Claims},
		Targets:  sf.Targets, Budget: sf.Budget, Concurrency: sf.Concurrency,
		TargetConcurrency: sf.TargetConc,
	}
	root := doc.Content[0]
	if err := s.validateHead(file, root, &sf, lim); err != nil {
		return nil, err
	}
	if err := s.buildSteps(file, root, sf.Probes, lim); err != nil {
		return nil, err
	}
	req := results.Requirement(sf.Require)
	if req == "" {
		req = results.RequirePass
	}
	if err := s.buildClaims(file, lineOf(root, "claims"), sf.Claims, req); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Suite) validateHead(file string, root *yaml.Node, sf *suiteFile, lim limits.Limits) error {
	at := func(field string) int { return lineOf(root, field) }
	if s.Name == "" {
		return &ConfigError{File: file, Line: 1, Field: "suite", Msg: "missing suite name"}
	}
	if msg := checkName(s.Name); msg != "" {
		return &ConfigError{File: file, Line: at("suite"), Field: "suite", Msg: msg}
	}
	if s.Provider.Name == "" {
		return &ConfigError{File: file, Line: at("provider"), Field: "provider.name", Msg: "missing provider name"}
	}
	if msg := checkName(s.Provider.Name); msg != "" {
		return &ConfigError{File: file, Line: at("provider"), Field: "provider.name", Msg: msg}
	}
	switch results.Requirement(sf.Require) {
	case "", results.RequirePass, results.RequireNoFail:
	default:
		return &ConfigError{File: file, Line: at("require"), Field: "require", Msg: fmt.Sprintf("%q is not pass or no_fail", sf.Require)}
	}
	if s.Budget == 0 {
		s.Budget = DefaultBudget
	}
	if s.Concurrency == 0 {
		s.Concurrency = DefaultConcurrency
	}
	if s.TargetConcurrency == 0 {
		s.TargetConcurrency = DefaultTargetConcurrency
	}
	if s.Budget < 0 || s.Concurrency < 0 || s.TargetConcurrency < 0 {
		return &ConfigError{File: file, Line: at("budget"), Field: "budget", Msg: "budget and concurrency must be positive"}
	}
	return s.validateTargets(file, root, lim)
}

func (s *Suite) buildSteps(file string, root *yaml.Node, specs []probeSpec, lim limits.Limits) error {
	if len(specs) == 0 {
		return &ConfigError{File: file, Line: lineOf(root, "probes"), Field: "probes", Msg: "a suite needs at least one probe"}
	}
	if err := lim.Count(limits.Probes, "probes", len(specs)); err != nil {
		return &ConfigError{File: file, Line: lineOf(root, "probes"), Field: "probes", Msg: err.Error()}
	}
	ids := map[string]bool{}
	targets := map[string]bool{}
	for _, t := range s.Targets {
		targets[t.Name] = true
	}
	for i, ps := range specs {
		field := fmt.Sprintf("probes[%d]", i)
		line := itemLine(root, "probes", i)
		if _, err := probes.Lookup(ps.Probe); err != nil {
			return &ConfigError{File: file, Line: line, Field: field + ".probe", Msg: fmt.Sprintf("unknown probe %q%s", ps.Probe, suggest(ps.Probe, probes.Names()))}
		}
		id := ps.ID
		if id == "" {
			id = ps.Probe
		}
		if msg := checkID(id); msg != "" {
			return &ConfigError{File: file, Line: line, Field: field + ".id", Msg: msg}
		}
		if ids[id] {
			return &ConfigError{File: file, Line: line, Field: field + ".id", Msg: fmt.Sprintf("duplicate probe id %q (set id: to tell them apart)", id)}
		}
		ids[id] = true
		for _, t := range ps.Targets {
			if !targets[t] {
				return &ConfigError{File: file, Line: line, Field: field + ".targets", Msg: fmt.Sprintf("unknown target %q", t)}
			}
		}
		params, err := probes.DecodeParams(ps.Probe, func(v any) error {
			if b, ok := v.(probes.Bounded); ok {
				b.Bound(lim)
			}
			return DecodeStrict(file, &ps.Params, v, field+".params")
		})
		if err != nil {
			var ce *ConfigError
			if errors.As(err, &ce) {
				if ce.Field == field+".params.timeout" && !strings.Contains(ce.Msg, "did you mean") {
					ce.Msg += "; the step's timeout (beside params) bounds the whole probe"
				}
				return err
			}
			return &ConfigError{File: file, Line: line, Field: field + ".params", Msg: err.Error()}
		}
		timeout := ps.Timeout
		if timeout <= 0 {
			timeout = DefaultTimeout
		}
		s.Steps = append(s.Steps, Step{ID: id, Probe: ps.Probe, Timeout: timeout, Targets: ps.Targets, Params: params})
	}
	return nil
}

// StepsFor lists the steps that run on the named target.
func (s *Suite) StepsFor(target string) []Step {
	var out []Step
	for _, st := range s.Steps {
		if len(st.Targets) == 0 {
			out = append(out, st)
			continue
		}
		for _, t := range st.Targets {
			if t == target {
				out = append(out, st)
				break
			}
		}
	}
	return out
}

// lineOf returns the line of key in mapping n, or n's own line.
func lineOf(n *yaml.Node, key string) int {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i].Line
		}
	}
	return n.Line
}

// itemLine returns the line of item i of the sequence under key.
func itemLine(n *yaml.Node, key string, i int) int {
	for k := 0; k+1 < len(n.Content); k += 2 {
		if n.Content[k].Value == key {
			if seq := n.Content[k+1]; i < len(seq.Content) {
				return seq.Content[i].Line
			}
			return n.Content[k].Line
		}
	}
	return n.Line
}
