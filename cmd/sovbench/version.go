package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/internal/buildinfo"
	"github.com/sovbench/sovbench/results"
)

// harness names this binary in the reports it writes.
func harness() results.Harness {
	b := buildinfo.Read("sovbench")
	return results.Harness{Name: b.Name, Version: b.Version, Commit: b.Commit}
}

func versionCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print sovbench's version, commit, build date and Go version",
		Example: "  sovbench version\n  sovbench version -o json",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			b := buildinfo.Read("sovbench")
			if a.output == "json" {
				return writeJSON(a.stdout, b)
			}
			_, err := fmt.Fprint(a.stdout, b.Text()+"data:    "+geo.Attribution+"\n")
			return err
		},
	}
}
