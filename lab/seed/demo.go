package seed

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/sovbench/sovbench/lab"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/run"
	seedsuites "github.com/sovbench/sovbench/scenarios/seed"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// DefaultConcurrency is how many suite runs the demo keeps in flight.
const DefaultConcurrency = 8

// Options configure Run.
type Options struct {
	Log     *slog.Logger
	Harness results.Harness
	// AgentPath is the agent binary run inside the lab's namespaces;
	// empty means run.DefaultAgent (the slim agent beside this executable,
	// else this executable).
	AgentPath string
	// Name replaces the lab's name (tests run it beside other labs).
	Name string
	// Holder is recorded in the lab's state (see lab.Options).
	Holder string
	// Concurrency bounds the suite runs in flight; 0 means DefaultConcurrency.
	Concurrency int
	// Suites and Providers restrict the run; empty means all of them.
	Suites, Providers []string
	// TPMDir, if set, gives every lab host a software TPM (swtpm, started
	// inside the host's namespace) whose state and local CA are kept in
	// TPMDir/<provider> across runs; the suites then attest it.
	TPMDir string
	// TEEDir, if set, gives the lab hosts of providers that sell
	// confidential VMs a test signer (tee.go) kept in TEEDir/<provider>
	// across runs; trusted-cloud then attests it (test-signed).
	TEEDir string
	// Progress, if set, gets the progress of all the suite runs summed
	// (the runner's, run.Progress): probes finished of every probe of
	// every run, plus the attempts the running ones have made, as each
	// reports them. Calls are serialised; they are for display only.
	Progress func(run.Progress)
}

// Run brings the seed lab up (its lab file and host-identity fixtures
// written to a temporary directory, see WriteLab), runs every seed suite
// against every lab provider (the location QA's providers run
// HostileSuite instead) and tears the lab down, also when ctx is
// cancelled. It returns
// the reports in provider order, then suite order. A run stopped by ctx
// still yields its (incomplete) reports; err is only for a lab that could
// not start or a suite that could not be bound.
func Run(ctx context.Context, opt Options) ([]*results.Report, error) {
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir, err := os.MkdirTemp("", "sovbench-seed-")
	if err != nil {
		return nil, fmt.Errorf("creating the seed lab directory: %w", err)
	}
	defer os.RemoveAll(dir)
	topo, err := WriteLab(dir)
	if err != nil {
		return nil, err
	}
	var tees map[string]*seedsuites.TEE
	if opt.TEEDir != "" {
		if tees, err = teeFixtures(opt.TEEDir, topo); err != nil {
			return nil, err
		}
	}
	l, err := lab.Up(ctx, topo, lab.Options{Log: log, Name: opt.Name, Holder: opt.Holder})
	if err != nil {
		return nil, fmt.Errorf("starting the seed lab: %w", err)
	}
	defer func() {
		if err := l.Down(); err != nil {
			log.Warn("tearing the seed lab down", "err", err)
		}
	}()
	var tpms map[string]*hostTPM
	if opt.TPMDir != "" {
		var stop func()
		tpms, stop, err = startTPMs(ctx, l, opt.TPMDir, seedProviders(l.Topology.Providers))
		if err != nil {
			return nil, err
		}
		defer stop()
	}
	suites, err := bindAll(l, opt, tpms, tees)
	if err != nil {
		return nil, err
	}
	return runAll(ctx, l, suites, opt, log), nil
}

// bindAll renders the selected suites for the selected providers.
func bindAll(l *lab.Lab, opt Options, tpms map[string]*hostTPM, tees map[string]*seedsuites.TEE) ([]*suite.Suite, error) {
	names := seedsuites.SuiteNames()
	if len(opt.Suites) > 0 {
		names = slices.DeleteFunc(slices.Clone(opt.Suites), func(n string) bool { return n == HostileSuite })
	}
	var out []*suite.Suite
	for _, p := range l.Topology.Providers {
		if len(opt.Providers) > 0 && !contains(opt.Providers, p.Name) {
			continue
		}
		if QAOnly(p) {
			if len(opt.Suites) > 0 && !contains(opt.Suites, HostileSuite) {
				continue
			}
			s, err := bindHostile(l, p)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
			continue
		}
		b, err := Bind(l, p)
		if err != nil {
			return nil, err
		}
		if t := tpms[p.Name]; t != nil {
			b.TPM = t.Spec
		}
		b.TEE = tees[p.Name]
		for _, n := range names {
			s, err := seedsuites.Render(n, b)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
	}
	return out, nil
}

func runAll(ctx context.Context, l *lab.Lab, suites []*suite.Suite, opt Options, log *slog.Logger) []*results.Report {
	conc := opt.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	reps := make([]*results.Report, len(suites))
	prog := newProgress(opt.Progress, suites)
	var g errgroup.Group
	g.SetLimit(conc)
	for i, s := range suites {
		g.Go(func() error {
			r := &run.Runner{Log: log, Harness: opt.Harness, AgentPath: opt.AgentPath, Labs: l, Progress: prog.forRun(i)}
			reps[i] = r.Run(ctx, s)
			prog.ended(i)
			return nil
		})
	}
	_ = g.Wait() // the runs record their failures in their reports
	return reps
}

// seedProviders are the providers the seed suites run against (not the
// location QA's).
func seedProviders(ps []lab.Provider) []lab.Provider {
	var out []lab.Provider
	for _, p := range ps {
		if !QAOnly(p) {
			out = append(out, p)
		}
	}
	return out
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
