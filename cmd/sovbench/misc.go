package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/fleet/agent"
	"github.com/sovbench/sovbench/results/render"
	"github.com/sovbench/sovbench/scenarios/claims"
	"github.com/sovbench/sovbench/scenarios/plan"
)

func (a *app) claimsCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "claims",
		Short:   "List every claim a suite can state",
		Example: "  sovbench claims\n  sovbench claims -o markdown",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			g := render.Grid{Header: []string{"claim", "needs probe", "example", "meaning"}}
			for _, k := range claims.Kinds() {
				g.Rows = append(g.Rows, []string{k.Name, fmt.Sprint(k.Needs), k.Example, k.Doc})
			}
			return render.WriteGrid(a.stdout, g, a.output)
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
