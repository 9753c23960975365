package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/render"
	"github.com/sovbench/sovbench/results/store"
)

func (a *app) showCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show REPORT|RUN-ID",
		Short: "Print a stored report: its header, verdicts and (with -v) evidence",
		Long: `show prints one report: suite, provider, status, run id and times, then the
verdict table; with -v also one line per evidence record. REPORT is a report
file, or a run id looked up in the index of --results-dir; a prefix is
enough when it names one run (run ids begin with their time, so a short
prefix names every run of that moment and is refused with the candidates). With -o json it prints the whole report; with -o csv only the
verdict table.`,
		Example: "  sovbench show sovbench-results/this-host/20261123T093000Z-0190.json\n  sovbench show -v 0193a1b2-7c1e-7d2a-9f3e-21d5c2a7b410\n  sovbench show -o json sovbench-results/this-host/20261123T093000Z-0190.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := a.reportPath(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			rep, err := store.ReadReport(cmd.Context(), path, a.limits)
			if err != nil {
				return usageErr(err)
			}
			return a.showReport(rep)
		},
	}
}

// reportPath resolves a show argument: an existing file, or a run id (or
// unique prefix) found in the index.
func (a *app) reportPath(ctx context.Context, arg string) (string, error) {
	if _, err := os.Stat(arg); err == nil || strings.ContainsAny(arg, `/\`) || strings.HasSuffix(arg, ".json") {
		return arg, nil // ReadReport names the file if it cannot be read
	}
	if _, err := os.Stat(a.resultsDir); errors.Is(err, fs.ErrNotExist) {
		return "", usageErr(fmt.Errorf("no report file or run %q: no such file, and no results in %s", arg, a.resultsDir))
	}
	var s skips
	runs, err := a.runsIn(ctx, a.resultsDir, &s)
	if err != nil {
		return "", runtimeErr(fmt.Errorf("looking up run %s: %w", arg, err))
	}
	a.warnSkipped(&s) // named, but the run asked for may be among the others
	found, err := runByPrefix(runs, arg)
	if err != nil {
		return "", usageErr(fmt.Errorf("%w in %s", err, a.resultsDir))
	}
	return filepath.Join(a.resultsDir, filepath.FromSlash(found.Path)), nil
}

// maxCandidates bounds the runs an ambiguous run id lists.
const maxCandidates = 10

// runByPrefix finds the one run whose id starts with prefix. Run ids are
// time-ordered (UUIDv7), so a short prefix names a moment shared by every
// run of that minute or day: an ambiguous prefix is refused with the runs
// it matches, never resolved to the newest.
func runByPrefix(runs []store.RunRecord, prefix string) (store.RunRecord, error) {
	var found []store.RunRecord
	for _, r := range runs {
		if strings.HasPrefix(r.RunID, strings.ToLower(prefix)) {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return store.RunRecord{}, fmt.Errorf("no report file or run %q", prefix)
	case 1:
		return found[0], nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "run id %q is ambiguous: it starts %d runs; give more of it, e.g. one of:", prefix, len(found))
	for i, r := range found {
		if i == maxCandidates {
			fmt.Fprintf(&b, "\n  … and %d more", len(found)-maxCandidates)
			break
		}
		fmt.Fprintf(&b, "\n  %s  %s / %s, %s", r.RunID, r.Provider, r.Suite, r.Started.UTC().Format(time.RFC3339))
	}
	return store.RunRecord{}, errors.New(b.String())
}

// showReport prints the report's header, verdicts and, with -v, evidence.
func (a *app) showReport(rep *results.Report) error {
	switch a.output {
	case "json":
		return writeJSON(a.stdout, rep)
	case "csv":
		return a.writeGrid(render.Verdicts(rep))
	}
	grids := []render.Grid{render.Summary(rep), render.Verdicts(rep)}
	if a.verbose {
		grids = append(grids, render.Evidence(rep))
	}
	for i, g := range grids {
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		if err := a.writeGrid(g); err != nil {
			return runtimeErr(err)
		}
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
