package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/internal/atomicfile"
	"github.com/sovbench/sovbench/results/render"
	"github.com/sovbench/sovbench/results/store"
)

func (a *app) reportSiteCommand() *cobra.Command {
	var out, keyPath string
	var noVerify bool
	cmd := &cobra.Command{
		Use:   "site DIR",
		Short: "Write a static site: providers × suites, one page per report",
		Long: `site reads every report under DIR (searched recursively) and writes a static
site to --out: index.html, a matrix of providers × suites whose cells link to the
newest report of each pair and show whether every claim met its requirement and
who signed it (verified or not), every report listed below; and one page per
report under reports/ (summary, scope and method, verdicts with what each means
and does not mean and the audit criteria they give evidence for, the map, charts
and the evidence). The pages load nothing from outside.

Signed reports are verified first with --trusted-key (a report that does not
verify stops the site, exit 1); --no-verify shows them marked not verified. A
file under DIR that is not a report is skipped with a warning (exit 4).`,
		Example: "  sovbench report site sovbench-results --trusted-key sovbench-results/demo-key/sovbench.pub --out site\n  sovbench report site reports/ --no-verify --out /tmp/site",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageErr(errors.New("report site: give --out SITE, the folder to write"))
			}
			var s skips
			reps, err := a.siteReports(cmd.Context(), args[0], keyPath, noVerify, &s)
			if err != nil {
				return firstErr(err, a.reportSkipped(&s))
			}
			if len(reps) == 0 {
				a.warnSkipped(&s)
				return usageErr(fmt.Errorf("report site: no report under %s", args[0]))
			}
			files, err := render.Site(reps)
			if err != nil {
				return runtimeErr(err)
			}
			if err := writeSite(out, files); err != nil {
				return runtimeErr(err)
			}
			if !a.quiet {
				fmt.Fprintf(a.stderr, "wrote %s (%d reports)\n", filepath.Join(out, render.SiteIndex), len(reps))
			}
			return a.reportSkipped(&s)
		},
	}
	addOut(cmd, &out, "folder to write the site to (created if missing)")
	addTrustedKey(cmd, &keyPath, "trusted public key(s): signed reports are verified before they are published")
	cmd.Flags().BoolVar(&noVerify, "no-verify", false, "publish signed reports without verifying them (marked not verified)")
	return cmd
}

// siteReports reads the reports under dir: signed ones verified (or marked
// not verified with noVerify); files that are not reports go to s.
func (a *app) siteReports(ctx context.Context, dir, keyPath string, noVerify bool, s *skips) ([]render.SiteReport, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, usageErr(fmt.Errorf("report site: %s is not a folder", dir))
	}
	signers, err := a.verifyCompared(ctx, []string{dir}, keyPath, noVerify, s)
	if err != nil {
		return nil, err
	}
	files, skipped, err := store.ReportFiles(dir)
	if err != nil {
		return nil, usageErr(err)
	}
	s.add(skipped...)
	var out []render.SiteReport
	for _, f := range files {
		if s.has(f) {
			continue
		}
		r, err := store.ReadReport(ctx, f, a.limits)
		if err != nil {
			if ctx.Err() != nil {
				return nil, runtimeErr(err)
			}
			s.add(store.SkippedFile{Path: f, Err: err})
			continue
		}
		out = append(out, render.SiteReport{Report: r, Signer: signers[r.RunID]})
	}
	slices.SortFunc(out, func(x, y render.SiteReport) int { return x.Report.Started.Compare(y.Report.Started) })
	return out, nil
}

// writeSite writes the site's files under dir, each atomically.
func writeSite(dir string, files map[string][]byte) error {
	for name, data := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
		}
		if err := atomicfile.Write(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
