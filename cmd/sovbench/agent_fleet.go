package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/fleet"
	"github.com/sovbench/sovbench/results/render"
	"github.com/sovbench/sovbench/scenarios/plan"
)

// fleetAgentOpts are the flags of "sovbench agent --server".
type fleetAgentOpts struct {
	server, token, suite, ca, name, creds string
	every                                 time.Duration
	mtls                                  bool
}

func (o *fleetAgentOpts) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.server, "server", "", "verifier URL (https://host:port): run a suite for it instead of --stdio")
	f.StringVar(&o.token, "token", "", "enrolment token (first run; the credential is saved)")
	f.StringVar(&o.suite, "suite", "", "suite to run, by name")
	f.StringVar(&o.ca, "ca", "", "CA certificate (PEM) the verifier's certificate chains to")
	f.StringVar(&o.name, "name", "", "agent name (default: host name)")
	f.StringVar(&o.creds, "credentials", "sovbench-agent.json", "where the agent credential is saved")
	f.DurationVar(&o.every, "every", 0, "repeat every interval (continuous monitoring); 0: once")
	f.BoolVar(&o.mtls, "mtls", false, "enrol for a client certificate from the verifier's agent CA and authenticate with it (mutual TLS) instead of a bearer credential")
	cmd.Example += "\n  sovbench agent --server https://verifier:8443 --ca verifier.crt --token sbt_… --suite fleet-host --every 5m"
}

// runFleetAgent enrols (or reuses the saved credential), then runs the
// suite in env and submits, once or every o.every until interrupted.
func (a *app) runFleetAgent(ctx context.Context, o fleetAgentOpts, env plan.Env) error {
	if o.suite == "" {
		return usageErr(errors.New("agent: --server needs --suite"))
	}
	var ca []byte
	if o.ca != "" {
		b, err := os.ReadFile(o.ca)
		if err != nil {
			return usageErr(fmt.Errorf("reading CA: %w", err))
		}
		ca = b
	}
	c, err := fleet.NewClient(o.server, ca)
	if err != nil {
		return usageErr(err)
	}
	if o.name == "" {
		if o.name, err = os.Hostname(); err != nil {
			return runtimeErr(fmt.Errorf("reading host name: %w", err))
		}
	}
	c.MutualTLS = o.mtls
	if err := c.EnsureEnrolled(ctx, o.creds, o.token, o.name); err != nil {
		return runtimeErr(err)
	}
	for {
		resp, err := fleet.RunOnce(ctx, c, o.suite, env)
		var refused *fleet.RefusedError
		if err != nil && (o.every <= 0 || errors.As(err, &refused) && (refused.Code == "revoked" || refused.Code == "forbidden")) {
			return runtimeErr(err) // retrying cannot help a refused credential
		}
		if err != nil {
			a.log.Error("run failed", "suite", o.suite, "err", err)
		} else if werr := a.printVerdicts(resp); werr != nil {
			return runtimeErr(werr)
		}
		if o.every <= 0 {
			if !resp.Satisfied {
				return &exitError{exitClaims, errors.New("a claim missed its requirement")}
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(o.every):
		}
	}
}

func (a *app) printVerdicts(resp fleet.SubmitResponse) error {
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
		fmt.Fprintf(a.stdout, "run %s signed by %s\n", resp.RunID, resp.KeyID)
	}
	return nil
}
