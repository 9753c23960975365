package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/render"
	"github.com/sovbench/sovbench/results/store"
)

func (a *app) compareCommand() *cobra.Command {
	var useIndex, noVerify bool
	var keyPath string
	cmd := &cobra.Command{
		Use:   "compare [PATH...]",
		Short: "Compare providers side by side from reports, directories of reports or the index",
		Long: `compare prints one column per provider and one row per claim and key
measurement; each cell holds the verdict and its key figure, or the measured
value. A provider's column is fed by its newest run of each suite; when
several runs or targets feed a column its header says so, and a cell whose
verdicts differ shows the worst and how many share it.

PATH is a report file or a directory searched recursively. A directory that
holds an index (index.sqlite) is read through the index, brought up to date
with its files first (or straight from its files when the folder cannot be
written); --index reads the index of --results-dir. A file that is not a
valid report is skipped and named on stderr; the others are compared and
the exit code is 4.`,
		Example: "  sovbench compare sovbench-results/\n  sovbench compare --index -o markdown\n  sovbench compare -o csv a.json b.json",
		RunE: func(cmd *cobra.Command, args []string) error {
			if useIndex && len(args) > 0 {
				return usageErr(errors.New("compare: give PATHs or --index, not both"))
			}
			if !useIndex && len(args) == 0 {
				return usageErr(errors.New("compare: give at least one PATH, or --index"))
			}
			var s skips
			runs, err := a.compareRuns(cmd.Context(), useIndex, args, &s)
			if err != nil {
				return firstErr(err, a.reportSkipped(&s))
			}
			g := render.CompareRuns(runs)
			inputs := args
			if useIndex {
				inputs = []string{a.resultsDir}
			}
			if err := a.verifyCompared(cmd.Context(), &g, runs, inputs, keyPath, noVerify, &s); err != nil {
				return firstErr(err, a.reportSkipped(&s))
			}
			if err := render.WriteGrid(a.stdout, g, a.output); err != nil {
				return runtimeErr(err)
			}
			return a.reportSkipped(&s)
		},
	}
	addTrustedKey(cmd, &keyPath, "trusted public key(s): signed reports are verified before they are compared")
	cmd.Flags().BoolVar(&noVerify, "no-verify", false, "compare signed reports without verifying them (their key ids are marked not verified)")
	cmd.Flags().BoolVar(&useIndex, "index", false, "read the index of --results-dir instead of PATHs")
	return cmd
}

// compareRuns gathers the runs to compare: from the index of --results-dir,
// from the index of a single directory that has one, or from report files.
// Files that are not valid reports are skipped into s.
func (a *app) compareRuns(ctx context.Context, useIndex bool, args []string, s *skips) ([]store.RunRecord, error) {
	if useIndex {
		runs, err := a.runsIn(ctx, a.resultsDir, s)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usageErr(err)
		}
		if err != nil {
			return nil, runtimeErr(err)
		}
		if len(runs) == 0 {
			return nil, usageErr(fmt.Errorf("no reports found in %s", a.resultsDir))
		}
		return runs, nil
	}
	if len(args) == 1 {
		if _, err := os.Stat(filepath.Join(args[0], store.IndexName)); err == nil {
			var idx skips
			runs, err := a.runsIn(ctx, args[0], &idx)
			if err == nil && len(runs) > 0 {
				s.add(idx.files...)
				return runs, nil
			}
			if err != nil {
				a.log.Debug("not using the index; reading the report files", "dir", args[0], "err", err)
			}
		}
	}
	var runs []store.RunRecord
	skipped, err := store.ReadEach(ctx, a.limits, args, func(_ string, r *results.Report) error {
		runs = append(runs, store.RecordOf(r, ""))
		return nil
	})
	s.add(skipped...)
	if err != nil {
		return nil, usageErr(err)
	}
	if len(runs) == 0 {
		return nil, usageErr(fmt.Errorf("no reports found in %s", strings.Join(args, ", ")))
	}
	return runs, nil
}

// indexedRuns reads every run from dir's index, synced with its files;
// files that are not valid reports are skipped into s.
func (a *app) indexedRuns(ctx context.Context, dir string, s *skips) ([]store.RunRecord, error) {
	x, err := a.openSynced(ctx, dir, s)
	if err != nil {
		return nil, err
	}
	defer x.Close()
	return x.Runs(ctx)
}
