// Command sovbench is the sovereign-cloud benchmark and attestation harness:
// it runs a suite's probes on target hosts, turns the evidence into verdicts
// on the provider's claims, stores a report and compares providers.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/attest/tee/fetch"
	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/probes/tee"
	"github.com/sovbench/sovbench/results/render"
)

// Exit codes.
const (
	exitOK      = 0 // every claim met its requirement
	exitClaims  = 1 // a claim failed, or was inconclusive where a pass is required
	exitUsage   = 2 // usage or configuration error
	exitRuntime = 3 // the harness could not do its job
	// exitSkipped: the command did its job on every input it could read,
	// but skipped some files (each named on stderr). Any other failure
	// takes precedence.
	exitSkipped = 4
)

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(err error) error   { return &exitError{exitUsage, err} }
func runtimeErr(err error) error { return &exitError{exitRuntime, err} }

// app holds the global flags and the writers every command uses.
type app struct {
	output     string
	wide       bool
	quiet      bool
	verbose    bool
	resultsDir string
	// limits bound what the command reads (--limit).
	limits limits.Limits
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
}

func main() {
	// The CLI, also as agent, fetches a tee probe's collateral when a
	// suite asks (fetch_collateral); the slim agent does not.
	tee.SetFetcher(fetch.Complete)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// execute runs the command line and returns the exit code.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.code != exitClaims {
			fmt.Fprintln(stderr, "sovbench:", ee.err)
		}
		return ee.code
	}
	// Errors cobra raises itself (unknown flag, wrong arguments) are usage errors.
	fmt.Fprintln(stderr, "sovbench:", err)
	return exitUsage
}

// defaultResultsDir is where reports go without --results-dir: a folder of
// their own in the working directory, outside any source tree.
const defaultResultsDir = "./sovbench-results"

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "sovbench",
		Short: "Sovereign-cloud benchmark and attestation harness",
		Long: `sovbench turns a provider's sovereignty claims ("disconnected", "data stays in
Luxembourg", "EU operator") into measurements anyone can re-run: probes on the
target hosts collect evidence, claims are evaluated into pass, fail,
inconclusive or error, and reports are stored and compared.`,
		Example: "  sovbench demo\n  sovbench compare --trusted-key sovbench-results/demo-key/sovbench.pub sovbench-results/\n" +
			"  sovbench run scenarios/local-host.yaml",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := render.CheckFormat(a.output); err != nil {
				return usageErr(err)
			}
			if err := checkRetiredFlags(cmd); err != nil {
				return usageErr(err)
			}
			level := slog.LevelWarn
			if a.verbose {
				level = slog.LevelDebug
			}
			if a.quiet {
				level = slog.LevelError
			}
			a.log = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	pf := root.PersistentFlags()
	pf.StringVarP(&a.output, "output", "o", "text", "output format: "+strings.Join(render.Formats, ", ")+" (never a file: files are --out)")
	pf.BoolVar(&a.wide, "wide", false, "text tables: draw the matrix even when it is wider than the terminal")
	pf.BoolVarP(&a.quiet, "quiet", "q", false, "print only errors and the result")
	pf.BoolVarP(&a.verbose, "verbose", "v", false, "log every step")
	pf.StringVar(&a.resultsDir, "results-dir", defaultResultsDir, "where reports, the index and the demo key are stored: a folder of their own, outside the source tree")
	pf.Var(&a.limits, "limit", limits.Help())
	root.AddCommand(
		a.runCommand(),
		a.showCommand(),
		a.compareCommand(),
		a.indexCommand(),
		a.claimsCommand(),
		a.agentCommand(),
		a.serveCommand(),
		a.labCommand(), a.demoCommand(),
		a.keyCommand(), a.signCommand(), a.verifyCommand(), a.reportCommand(),
		a.landmarksCommand(), a.initCommand(),
		a.tpmRootsCommand(),
		versionCommand(a),
	)
	strictBooleans(root)
	return root
}
