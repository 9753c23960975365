package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/lab"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/render"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/results/store"
	"github.com/sovbench/sovbench/scenarios/claims"
	"github.com/sovbench/sovbench/scenarios/plan"
	"github.com/sovbench/sovbench/scenarios/run"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// localEnv is the environment of the local targets "run" runs in process:
// the zero value, this machine. Only this package's tests change it (to
// give local targets a host fixture, see writeSuite); no flag, suite or
// environment variable of the sovbench binary can.
var localEnv plan.Env

const runLong = `run loads a suite, runs its probes on its targets, evaluates every claim and
writes a report to <results-dir>/<provider>/<time>-<run id>.json, indexed in
<results-dir>/index.sqlite. SIGINT or SIGTERM stops the run and still writes
the report, marked incomplete. Before any probe runs, run checks that the
report can be written there (folders, names, permissions).

Steps of the inbound probe (round trips measured towards a target by RIPE Atlas
probes) run on this machine with your Atlas API key: --atlas-key-file FILE, or
the RIPE_ATLAS_KEY environment variable. The key is sent only to the Atlas API;
it never enters the report, a log line or an error message.

Exit codes: 0 every claim passed, 1 a claim failed (or was inconclusive where
the suite requires a pass), 2 usage or configuration error, 3 runtime error.`

func (a *app) runCommand() *cobra.Command {
	var agent, signKey string
	var outside outsideFlags
	var roots tpmRootsOpts
	cmd := &cobra.Command{
		Use:     "run SUITE",
		Short:   "Run a suite's probes, evaluate its claims and store a report",
		Long:    runLong,
		Example: "  sovbench run scenarios/local-host.yaml\n  sovbench run -o markdown --results-dir /tmp/r scenarios/local-host.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, signer, err := a.prepareRun(cmd.Context(), args[0], signKey)
			if err != nil {
				return err
			}
			oenv, err := outside.env()
			if err != nil {
				return usageErr(err)
			}
			ts, err := roots.store()
			if err != nil {
				return err
			}
			r := &run.Runner{Log: a.log, Harness: harness(), AgentPath: agent, Labs: lab.Running{}, LocalEnv: localEnv, Limits: a.limits, OutsideEnv: oenv,
				Claims: claims.Context{Signer: keyID(signer), TPMRoots: ts}}
			var done func()
			r.Progress, done = a.runBar(len(s.Steps) * len(s.Targets))
			defer done()
			rep := r.Run(cmd.Context(), s)
			path, err := a.storeSigned(cmd.Context(), rep, signer)
			if err != nil {
				return runtimeErr(err)
			}
			if err := a.printReport(rep); err != nil {
				return runtimeErr(err)
			}
			if !a.quiet {
				fmt.Fprintf(a.stderr, "report: %s\n", path)
			}
			if rep.Status != results.RunComplete {
				return runtimeErr(fmt.Errorf("run incomplete (%s); report written to %s", rep.Interruption, path))
			}
			if !rep.Satisfied() {
				return &exitError{exitClaims, errors.New("claims not satisfied")}
			}
			return nil
		},
	}
	addSigningKey(cmd, &signKey, "sign the report with this private key (the stored file is then a DSSE envelope)")
	outside.add(cmd)
	cmd.Flags().StringVar(&agent, "agent", "", "agent binary to run on lab and SSH targets (default: sovbench-agent beside this binary, else this one)")
	addTPMRoots(cmd, &roots)
	return cmd
}

// prepareRun loads the suite and the signing key and checks that the
// report can be written, all before the run: a bad key or a place the
// report cannot be written must not waste the run and its evidence.
func (a *app) prepareRun(ctx context.Context, path, signKey string) (*suite.Suite, *sign.Key, error) {
	s, err := suite.Load(ctx, path, a.limits)
	if err != nil {
		// The file is the user's argument: a missing one, a
		// directory or a bad suite is theirs to fix.
		if errors.Is(err, context.Canceled) {
			return nil, nil, runtimeErr(err)
		}
		return nil, nil, usageErr(err)
	}
	signer, err := a.loadSigner(ctx, signKey)
	if err != nil {
		return nil, nil, usageErr(err)
	}
	if err := store.CheckWritable(a.resultsDir, s.Provider.Name); err != nil {
		return nil, nil, runtimeErr(fmt.Errorf("%w; nothing was run", err))
	}
	return s, signer, nil
}

// store writes the report, then indexes it. The report file is the record
// and the index a cache: when indexing fails the report stays on disk, a
// warning says so, and the next index sync or `sovbench index rebuild` picks
// the report up. Indexing gets its own deadline rather than the command's
// context, so that a run stopped by SIGINT is still indexed.
func (a *app) store(rep *results.Report) (string, error) {
	path, err := store.WriteReport(a.resultsDir, rep)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), indexTimeout)
	defer cancel()
	if err := a.index(ctx, path, rep); err != nil {
		a.log.Warn("report written but not indexed; run `sovbench index rebuild`", "report", path, "err", err)
	}
	return path, nil
}

func (a *app) printReport(rep *results.Report) error {
	if a.output == "json" {
		return writeJSON(a.stdout, rep)
	}
	return a.writeGrid(render.Verdicts(rep))
}
