package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

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
file, or a run id (or a unique prefix of one) looked up in the index of
--results-dir. With -o json it prints the whole report; with -o csv only the
verdict table.`,
		Example: "  sovbench show sovbench-results/this-host/20261123T093000Z-0190.json\n  sovbench show -v 0193a1b2\n  sovbench show -o json sovbench-results/this-host/20261123T093000Z-0190.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := a.reportPath(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			rep, err := store.ReadReport(path)
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
	runs, err := a.indexedRuns(ctx, a.resultsDir)
	if err != nil {
		return "", runtimeErr(fmt.Errorf("looking up run %s: %w", arg, err))
	}
	var found []store.RunRecord
	for _, r := range runs {
		if strings.HasPrefix(r.RunID, arg) {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return "", usageErr(fmt.Errorf("no report file or run %q in %s", arg, a.resultsDir))
	case 1:
		return filepath.Join(a.resultsDir, filepath.FromSlash(found[0].Path)), nil
	}
	return "", usageErr(fmt.Errorf("run id prefix %q matches %d runs; give more of it", arg, len(found)))
}

// showReport prints the report's header, verdicts and, with -v, evidence.
func (a *app) showReport(rep *results.Report) error {
	switch a.output {
	case "json":
		return writeJSON(a.stdout, rep)
	case "csv":
		return render.WriteGrid(a.stdout, render.Verdicts(rep), a.output)
	}
	grids := []render.Grid{render.Summary(rep), render.Verdicts(rep)}
	if a.verbose {
		grids = append(grids, render.Evidence(rep))
	}
	for i, g := range grids {
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		if err := render.WriteGrid(a.stdout, g, a.output); err != nil {
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
