package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/fleet/agent"
	"github.com/sovbench/sovbench/results/frameworks"
	"github.com/sovbench/sovbench/results/render"
	"github.com/sovbench/sovbench/scenarios/claims"
	"github.com/sovbench/sovbench/scenarios/plan"
)

func (a *app) claimsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "claims",
		Short: "List every claim a suite can state",
		Long: `claims lists every claim kind a suite can state: the probes whose evidence
it reads, an example, what it means, and the audit criteria its verdicts give
evidence for (ANSSI SecNumCloud 3.2, BSI C5:2020, BSI C3A), each with its
source; a * marks supporting evidence. A verdict is evidence towards a
criterion, never its certification.`,
		Example: "  sovbench claims\n  sovbench claims -o markdown\n  sovbench claims -o json",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if a.output == "json" || a.output == "jsonl" {
				return runtimeIf(writeClaimKinds(a, claims.Kinds()))
			}
			g := render.Grid{Header: []string{"claim", "needs probe", "example", "criteria", "meaning"}, Keys: 1}
			g.Notes = []string{"Criteria: * marks supporting evidence; a verdict is evidence towards a criterion, never its certification."}
			sources := map[string]bool{}
			for _, k := range claims.Kinds() {
				cs := frameworks.For(k.Name)
				g.Rows = append(g.Rows, []string{k.Name, strings.Join(k.Needs, ", "), k.Example, frameworks.Short(cs), k.Doc})
				for _, c := range cs {
					if !sources[c.Source] {
						sources[c.Source] = true
						g.Notes = append(g.Notes, "Source: "+c.Source+".")
					}
				}
			}
			return a.writeGrid(g)
		},
	}
}

func (a *app) agentCommand() *cobra.Command {
	var stdio bool
	var env plan.Env
	var fo agent.Options
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run probes on this host for a remote runner",
		Long: `agent runs on a target host. With --stdio it reads one plan (JSON) on standard
input, runs its probes here and writes each evidence record as a JSON line on
standard output; runners use it inside lab namespaces and over SSH.`,
		Example: "  ip netns exec sb-lab-h1 sovbench agent --stdio < plan.json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if fo.Server != "" {
				return a.runFleetAgent(cmd.Context(), fo, env)
			}
			if !stdio {
				return usageErr(fmt.Errorf("agent: say --stdio or --server URL"))
			}
			if err := plan.ServeAgent(cmd.Context(), cmd.InOrStdin(), a.stdout, env); err != nil {
				return runtimeErr(err)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&stdio, "stdio", false, "read a plan on stdin, write evidence lines on stdout")
	// Set only by whoever starts the agent on a lab host (the lab executor,
	// tests): the host's identity fixture tree, read by the host probe in
	// place of this machine. Hidden from --help; never in a suite or a plan.
	cmd.Flags().StringVar(&env.LabFixture, plan.LabFixtureFlag, "", "lab host identity fixture root (set by the lab)")
	_ = cmd.Flags().MarkHidden(plan.LabFixtureFlag) // cannot fail: defined just above
	fleetAgentFlags(cmd, &fo)
	return cmd
}

// claimKind is one claim kind as `claims -o json|jsonl` writes it.
type claimKind struct {
	Name     string                 `json:"name"`
	Needs    []string               `json:"needs"`
	Example  string                 `json:"example"`
	Doc      string                 `json:"doc"`
	Criteria []frameworks.Criterion `json:"criteria"`
}

func writeClaimKinds(a *app, kinds []claims.Kind) error {
	out := make([]claimKind, len(kinds))
	for i, k := range kinds {
		out[i] = claimKind{Name: k.Name, Needs: k.Needs, Example: k.Example, Doc: k.Doc, Criteria: frameworks.For(k.Name)}
	}
	if a.output == "json" {
		return writeJSON(a.stdout, out)
	}
	enc := json.NewEncoder(a.stdout)
	for _, k := range out {
		if err := enc.Encode(k); err != nil {
			return err
		}
	}
	return nil
}
