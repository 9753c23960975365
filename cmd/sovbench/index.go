package main

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/internal/atomicfile"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/render"
	"github.com/sovbench/sovbench/results/store"
)

// indexTimeout bounds the index work `run` does after writing a report.
const indexTimeout = 30 * time.Second

// index adds the report stored at path to the index of the results
// directory, filling a new or recreated index from the files first.
func (a *app) index(ctx context.Context, path string, rep *results.Report) error {
	x, err := a.openIndex(ctx, a.resultsDir)
	if err != nil {
		return err
	}
	defer x.Close()
	if why := x.Recreated(); why != "" {
		a.log.Info("index created; filling it from the report files", "dir", a.resultsDir, "reason", why)
		st, err := x.Sync(ctx)
		if err != nil {
			a.log.Warn("the report files were not indexed", "err", err)
		}
		for _, f := range st.Skipped {
			a.log.Warn("not indexed", "file", f.Path, "err", f.Err)
		}
	}
	return x.Add(ctx, path, rep)
}

// openIndex opens the index of dir, reading report files within --limit.
func (a *app) openIndex(ctx context.Context, dir string) (*store.Index, error) {
	x, err := store.OpenIndex(ctx, dir)
	if err != nil {
		return nil, err
	}
	x.Limits = a.limits
	return x, nil
}

// openSynced opens the index of dir and brings it up to date with the
// report files. Files that are not reports are skipped into s.
func (a *app) openSynced(ctx context.Context, dir string, s *skips) (*store.Index, error) {
	x, err := a.openIndex(ctx, dir)
	if err != nil {
		return nil, err
	}
	if why := x.Recreated(); why != "" {
		a.log.Info("index created; filling it from the report files", "dir", dir, "reason", why)
	}
	st, err := x.Sync(ctx)
	if err != nil {
		x.Close()
		return nil, err
	}
	s.add(st.Skipped...)
	return x, nil
}

func (a *app) indexCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "index",
		Short: "Rebuild, list or export the SQLite index of stored reports",
		Long: `The index (<results-dir>/index.sqlite) holds one row per run, per verdict and
per key measurement of the reports under the results directory. It is a
cache: the report files are the record. sovbench creates it when it is
missing, replaces it when it is corrupt and brings it up to date with the
files before reading it; "index rebuild" reads every file again and removes
the temporary files interrupted writes left. A file that is not a valid
report is skipped and named, and the command goes on (exit code 4). In a
results folder this process cannot write (a read-only mount), list and
export read the report files directly.`,
		Example: "  sovbench index rebuild\n  sovbench index list -o markdown\n  sovbench index export > runs.jsonl",
		Args:    cobra.NoArgs,
	}
	cmd.AddCommand(a.indexRebuildCommand(), a.indexListCommand(), a.indexExportCommand())
	return cmd
}

func (a *app) indexRebuildCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "rebuild",
		Short:   "Rebuild the index from every report file",
		Example: "  sovbench index rebuild\n  sovbench index rebuild --results-dir /srv/sovbench/results",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			x, err := a.openIndex(cmd.Context(), a.resultsDir)
			if err != nil {
				return runtimeErr(err)
			}
			defer x.Close()
			st, err := x.Rebuild(cmd.Context())
			if !a.quiet {
				for _, p := range st.Leftovers {
					fmt.Fprintf(a.stdout, "removed %s, left by an interrupted write\n", p)
				}
				fmt.Fprintf(a.stdout, "indexed %d of %d report files under %s\n", st.Added, st.Files, a.resultsDir)
			}
			var s skips
			s.add(st.Skipped...)
			return firstErr(runtimeIf(err), a.reportSkipped(&s))
		},
	}
}

func (a *app) indexListCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List the indexed runs",
		Example: "  sovbench index list\n  sovbench index list -o csv",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var s skips
			runs, err := a.runsIn(cmd.Context(), a.resultsDir, &s)
			if err != nil {
				return runtimeErr(err)
			}
			if err := a.writeGrid(render.Runs(runs)); err != nil {
				return runtimeErr(err)
			}
			return a.reportSkipped(&s)
		},
	}
}

func (a *app) indexExportCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export every indexed run, one JSON object per line",
		Long: `export writes every run in the index (brought up to date with the report files
first) as JSON lines: one object per run with its verdicts and key
measurements, oldest first. jsonl is its only format; -o may say so.`,
		Example: "  sovbench index export > runs.jsonl\n  sovbench index export -o jsonl --out runs.jsonl",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("output") {
				if err := a.checkFormat(cmd, "jsonl"); err != nil {
					return err
				}
			}
			var s skips
			runs, err := a.runsIn(cmd.Context(), a.resultsDir, &s)
			if err != nil {
				return runtimeErr(err)
			}
			if out == "" || out == "-" {
				err = store.WriteJSONL(a.stdout, runs)
			} else {
				var b bytes.Buffer
				if err = store.WriteJSONL(&b, runs); err == nil {
					err = atomicfile.Write(out, b.Bytes(), 0o644)
				}
			}
			return firstErr(runtimeIf(err), a.reportSkipped(&s))
		},
	}
	addOut(cmd, &out, "write to this file (atomically) instead of standard output")
	return cmd
}

func runtimeIf(err error) error {
	if err != nil {
		return runtimeErr(err)
	}
	return nil
}
