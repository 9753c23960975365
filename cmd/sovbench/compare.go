package main

import (
	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/results"
)

func (a *app) compareCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "compare PATH...",
		Short: "Compare providers side by side from reports or directories of reports",
		Long: `compare reads reports (files, or directories searched recursively) and prints a
table with one row per claim and one column per provider; each cell holds the
verdict and its key figure. The newest report of each provider is used.`,
		Example: "  sovbench compare results/\n  sovbench compare -o markdown a.json b.json",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			reps, err := results.LoadReports(args...)
			if err != nil {
				return usageErr(err)
			}
			return results.RenderGrid(a.stdout, results.CompareGrid(reps), a.output)
		},
	}
}
