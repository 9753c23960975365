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
	x, err := store.OpenIndex(ctx, a.resultsDir)
	if err != nil {
		return err
	}
	defer x.Close()
	if why := x.Recreated(); why != "" {
		a.log.Info("index created; filling it from the report files", "dir", a.resultsDir, "reason", why)
		if _, err := x.Sync(ctx); err != nil {
			a.log.Warn("some report files were not indexed", "err", err)
		}
	}
	return x.Add(ctx, path, rep)
}

// openSynced opens the index of dir and brings it up to date with the
// report files. Files that are not reports are an error naming them.
func (a *app) openSynced(ctx context.Context, dir string) (*store.Index, error) {
	x, err := store.OpenIndex(ctx, dir)
	if err != nil {
		return nil, err
	}
	if why := x.Recreated(); why != "" {
		a.log.Info("index created; filling it from the report files", "dir", dir, "reason", why)
	}
	if _, err := x.Sync(ctx); err != nil {
		x.Close()
		return nil, err
	}
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
files before reading it; "index rebuild" reads every file again.`,
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
			x, err := store.OpenIndex(cmd.Context(), a.resultsDir)
			if err != nil {
				return runtimeErr(err)
			}
			defer x.Close()
			st, err := x.Rebuild(cmd.Context())
			if !a.quiet {
				fmt.Fprintf(a.stdout, "indexed %d of %d report files under %s\n", st.Added, st.Files, a.resultsDir)
			}
			if err != nil {
				if st.Bad > 0 {
					return runtimeErr(fmt.Errorf("%d files are not valid reports (the rest are indexed):\n%w", st.Bad, err))
				}
				return runtimeErr(err)
			}
			return nil
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
			x, err := a.openSynced(cmd.Context(), a.resultsDir)
			if err != nil {
				return runtimeErr(err)
			}
			defer x.Close()
			runs, err := x.Runs(cmd.Context())
			if err != nil {
				return runtimeErr(err)
			}
			return render.WriteGrid(a.stdout, render.Runs(runs), a.output)
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
			x, err := a.openSynced(cmd.Context(), a.resultsDir)
			if err != nil {
				return runtimeErr(err)
			}
			defer x.Close()
			if out == "" || out == "-" {
				_, err := x.ExportJSONL(cmd.Context(), a.stdout)
				return runtimeIf(err)
			}
			return runtimeIf(exportToFile(cmd.Context(), x, out))
		},
	}
	addOut(cmd, &out, "write to this file (atomically) instead of standard output")
	return cmd
}

// exportToFile writes the export through a temporary file, so a reader
// never sees half an export.
func exportToFile(ctx context.Context, x *store.Index, path string) error {
	var b bytes.Buffer
	if _, err := x.ExportJSONL(ctx, &b); err != nil {
		return err
	}
	return atomicfile.Write(path, b.Bytes(), 0o644)
}

func runtimeIf(err error) error {
	if err != nil {
		return runtimeErr(err)
	}
	return nil
}
