package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/fleet/agent"
	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/internal/progressline"
	"github.com/sovbench/sovbench/results/render"
	"github.com/sovbench/sovbench/scenarios/plan"
)

// fleetAgentFlags binds the flags of "sovbench agent --server" to o; the
// slim agent (cmd/sovbench-agent) has the same ones.
func fleetAgentFlags(cmd *cobra.Command, o *agent.Options) {
	f := cmd.Flags()
	f.StringVar(&o.Server, "server", "", "verifier URL (https://host:port): run a suite for it instead of --stdio")
	f.StringVar(&o.Token, "token", "", "enrolment token (first run; the credential is saved)")
	f.StringVar(&o.Suite, "suite", "", "suite to run, by name")
	f.StringVar(&o.CA, "ca", "", "CA certificate (PEM) the verifier's certificate chains to")
	f.StringVar(&o.Name, "name", "", "agent name: letters, digits, '.', '-', '_' (default: host name); unique per verifier")
	f.StringVar(&o.Credentials, "credentials", agent.DefaultCredentials, "where the agent credential is saved")
	f.DurationVar(&o.Every, "every", 0, "repeat every interval (continuous monitoring); 0: once")
	f.BoolVar(&o.MutualTLS, "mtls", false, "enrol for a client certificate from the verifier's agent CA and authenticate with it (mutual TLS) instead of a bearer credential")
	cmd.Example += "\n  sovbench agent --server https://verifier:8443 --ca verifier.crt --token sbt_… --suite fleet-host --every 5m"
}

// runFleetAgent runs the fleet agent loop (agent.Serve) in env and prints
// every verdict it gets; on a terminal (without --quiet) a bar on stderr
// shows how far each run has got, as the slim agent's does.
func (a *app) runFleetAgent(ctx context.Context, o agent.Options, env plan.Env) error {
	var bar *progressline.Bar
	if !a.quiet {
		bar = progressline.ForTerminal(a.stderr)
	}
	if bar != nil {
		o.Progress = bar.Show
	}
	err := agent.Serve(ctx, o, env, a.log, func(r api.SubmitResponse) error { bar.Clear(); return a.printVerdicts(r) })
	bar.Clear()
	var oe *agent.OptionsError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &oe):
		return usageErr(err)
	case errors.Is(err, agent.ErrNotSatisfied):
		return &exitError{exitClaims, err}
	}
	return runtimeErr(err)
}

func (a *app) printVerdicts(resp api.SubmitResponse) error {
	if a.output == "json" {
		return writeJSON(a.stdout, resp)
	}
	g := render.Grid{Header: []string{"target", "claim", "status", "reason"}}
	for _, v := range resp.Verdicts {
		g.Rows = append(g.Rows, []string{v.Target, v.Key(), string(v.Status), v.Reason})
	}
	if err := render.WriteGrid(a.stdout, g, a.output); err != nil {
		return err
	}
	if a.output == "text" {
		fmt.Fprintf(a.stdout, "run %s for agent %s signed by %s\n", resp.RunID, resp.AgentID, resp.KeyID)
	}
	return nil
}
