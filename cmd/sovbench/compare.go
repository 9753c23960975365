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
		Long: `compare puts providers side by side: per provider, its newest run of each
suite. For people (-o text, markdown) it prints the claims, one row per suite
and claim with the audit criteria the claim gives evidence for and, per
provider, the verdict and its key figure ("—": the provider did not run that
suite; a cell fed by several targets shows the worst verdict and how many
share it); then the key measurements; with -v the runs compared. Text fits
the terminal: a matrix when it fits (or with --wide), else one line per
provider under each claim. For programs (-o json, jsonl, csv) it writes one
record per verdict: provider, suite, target, claim, params, status, figure
with its number and unit, criteria, run id, report and the signer's whole key
id, with whether its signature was verified.

PATH is a report file or a directory searched recursively. A directory that
holds an index (index.sqlite) is read through the index, brought up to date
with its files first (or straight from its files when the folder cannot be
written); --index reads the index of --results-dir. A file that is not a
valid report is skipped and named on stderr; the others are compared and
the exit code is 4.`,
		Example: "  sovbench compare --trusted-key sovbench-results/demo-key/sovbench.pub sovbench-results/\n  sovbench compare --index --no-verify -o markdown\n  sovbench compare -o jsonl a.json b.json",
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
			c := render.CompareRuns(runs)
			inputs := args
			if useIndex {
				inputs = []string{a.resultsDir}
			}
			signers, err := a.verifyCompared(cmd.Context(), inputs, keyPath, noVerify, &s)
			if err != nil {
				return firstErr(err, a.reportSkipped(&s))
			}
			c.Signers = signers
			if err := render.WriteComparison(a.stdout, c, a.output, render.CompareOptions{Text: a.textOptions(), Runs: a.verbose}); err != nil {
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
