package main

import (
	"encoding/json"
	"io"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/results"
)

func (a *app) showCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "show REPORT",
		Short:   "Print a stored report's verdicts",
		Example: "  sovbench show results/this-host/20261123T093000Z-0190.json\n  sovbench show -o json results/this-host/20261123T093000Z-0190.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			rep, err := results.ReadReport(args[0])
			if err != nil {
				return usageErr(err)
			}
			return a.printReport(rep)
		},
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
