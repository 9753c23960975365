package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"

	"github.com/sovbench/sovbench/fleet/agent"
	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/internal/buildinfo"
	"github.com/sovbench/sovbench/internal/progressline"
	_ "github.com/sovbench/sovbench/internal/startup" // cheaper start: heap on a huge page, stack grown early (its doc)
	"github.com/sovbench/sovbench/scenarios/plan"
)

// Exit codes, as sovbench's.
const (
	exitOK      = 0
	exitClaims  = 1
	exitUsage   = 2
	exitRuntime = 3
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// opts are the command line's settings.
type opts struct {
	stdio, verbose, quiet bool
	output                string
	env                   plan.Env
	fleet                 agent.Options
}

func parse(args []string, stderr io.Writer) (*opts, error) {
	if len(args) > 0 && args[0] == "agent" { // as "sovbench agent ..."
		args = args[1:]
	}
	o := &opts{}
	fs := flag.NewFlagSet("sovbench-agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.stdio, "stdio", false, "read a plan on stdin, write evidence lines on stdout")
	fs.StringVar(&o.env.LabFixture, plan.LabFixtureFlag, "", "lab host identity fixture root (set by the lab)")
	fs.StringVar(&o.output, "o", "text", "output of --server runs: text or json")
	fs.StringVar(&o.output, "output", "text", "output of --server runs: text or json")
	fs.BoolVar(&o.verbose, "v", false, "log every step")
	fs.BoolVar(&o.quiet, "q", false, "print only errors and the result")
	f := &o.fleet
	fs.StringVar(&f.Server, "server", "", "verifier URL (https://host:port): run a suite for it instead of --stdio")
	fs.StringVar(&f.Token, "token", "", "enrolment token (first run; the credential is saved)")
	fs.StringVar(&f.Suite, "suite", "", "suite to run, by name")
	fs.StringVar(&f.CA, "ca", "", "CA certificate (PEM) the verifier's certificate chains to")
	fs.StringVar(&f.Name, "name", "", "agent name: letters, digits, '.', '-', '_' (default: host name); unique per verifier")
	fs.StringVar(&f.Credentials, "credentials", agent.DefaultCredentials, "where the agent credential is saved")
	fs.DurationVar(&f.Every, "every", 0, "repeat every interval (continuous monitoring); 0: once")
	fs.BoolVar(&f.MutualTLS, "mtls", false, "enrol for a client certificate and authenticate with it (mutual TLS)")
	fs.VisitAll(func(f *flag.Flag) { // as sovbench's flags (docs/cli.md)
		if b, ok := f.Value.(boolFlag); ok && b.IsBoolFlag() {
			f.Value = strictBool{b}
		}
	})
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.output != "text" && o.output != "json" {
		return nil, fmt.Errorf("-o %q: want text or json", o.output)
	}
	return o, nil
}

// run runs the command line and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "version" {
		return printVersion(args[1:], stdout, stderr)
	}
	o, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "sovbench-agent:", err)
		return exitUsage
	}
	switch {
	case o.fleet.Server != "":
		return o.serve(ctx, stdout, stderr)
	case o.stdio:
		if err := plan.ServeAgent(ctx, stdin, stdout, o.env); err != nil {
			fmt.Fprintln(stderr, "sovbench-agent:", err)
			return exitRuntime
		}
		return exitOK
	}
	fmt.Fprintln(stderr, "sovbench-agent: say --stdio or --server URL")
	return exitUsage
}

// serve runs the fleet agent loop, printing every verdict it gets. On a
// terminal (and without -q) a bar on stderr shows how far each run has got.
func (o *opts) serve(ctx context.Context, stdout, stderr io.Writer) int {
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelDebug
	}
	if o.quiet {
		level = slog.LevelError
	}
	var bar *progressline.Bar
	if !o.quiet {
		bar = progressline.ForTerminal(stderr)
	}
	if bar != nil {
		o.fleet.Progress = bar.Show
	}
	log := slog.New(slog.NewTextHandler(bar.Writer(stderr), &slog.HandlerOptions{Level: level}))
	err := agent.Serve(ctx, o.fleet, o.env, log, func(r api.SubmitResponse) error { bar.Clear(); return o.print(stdout, r) })
	bar.Clear()
	var oe *agent.OptionsError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, agent.ErrNotSatisfied):
		return exitClaims
	case errors.As(err, &oe):
		fmt.Fprintln(stderr, "sovbench-agent:", err)
		return exitUsage
	}
	fmt.Fprintln(stderr, "sovbench-agent:", err)
	return exitRuntime
}

// print writes the verifier's answer: one JSON object, or a table.
func (o *opts) print(w io.Writer, r api.SubmitResponse) error {
	if o.output == "json" {
		return json.NewEncoder(w).Encode(r)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tCLAIM\tSTATUS\tREASON")
	for _, v := range r.Verdicts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", api.Escape(v.Target), api.Escape(v.Key()), v.Status, api.Escape(v.Reason))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "run %s for agent %s signed by %s\n", r.RunID, r.AgentID, r.KeyID)
	return err
}

// boolFlag is what the flag package's boolean values implement.
type boolFlag interface {
	flag.Value
	IsBoolFlag() bool
}

// strictBool takes only "true" or "false" as a value (the flag package
// also takes 1, t, T, TRUE, 0, f, F…): a typo must not be read as a
// decision.
type strictBool struct{ boolFlag }

// String is the value's, and "false" for the zero strictBool that --help
// makes to tell a flag's default apart.
func (b strictBool) String() string {
	if b.boolFlag == nil {
		return "false"
	}
	return b.boolFlag.String()
}

func (b strictBool) Set(s string) error {
	if s != "true" && s != "false" {
		return fmt.Errorf("want true or false, found %q", s)
	}
	return b.boolFlag.Set(s)
}

// printVersion prints the build as "sovbench version" does: text, or one
// JSON object with -o json (stamped by scripts/release; internal/buildinfo).
func printVersion(args []string, stdout, stderr io.Writer) int {
	b := buildinfo.Read("sovbench-agent")
	switch {
	case len(args) == 0 || (len(args) == 2 && (args[0] == "-o" || args[0] == "--output") && args[1] == "text"):
		fmt.Fprint(stdout, b.Text())
	case len(args) == 2 && (args[0] == "-o" || args[0] == "--output") && args[1] == "json":
		json.NewEncoder(stdout).Encode(b)
	default:
		fmt.Fprintln(stderr, "sovbench-agent: usage: version [-o text|json]")
		return exitUsage
	}
	return exitOK
}
