package main

import (
	"bytes"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/internal/atomicfile"
	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/render"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/results/store"
	"github.com/sovbench/sovbench/verify"
)

func (a *app) reportCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "report",
		Short:   "Publish reports as HTML, Markdown or a static site",
		Example: "  sovbench report html REPORT --trusted-key keys/provider.pub --out report.html\n  sovbench report markdown REPORT\n  sovbench report site sovbench-results --trusted-key keys/ --out site",
		Args:    cobra.NoArgs,
	}
	cmd.AddCommand(a.reportFormatCommand("html"), a.reportFormatCommand("markdown"), a.reportSiteCommand())
	return cmd
}

func (a *app) reportFormatCommand(format string) *cobra.Command {
	var out, keyPath string
	cmd := &cobra.Command{
		Use:   format + " REPORT",
		Short: "Write a report as " + map[string]string{"html": "one self-contained HTML page", "markdown": "Markdown for tickets"}[format],
		Long: `The report may be plain or signed. With --trusted-key, a signed report is verified
first (as by sovbench verify) and the page names its signer; without --trusted-key
the page says the signature was not checked.`,
		Example: fmt.Sprintf("  sovbench report %s sovbench-results/clarence/20261123T093000Z-0190.json --trusted-key keys/clarence.pub --out clarence.%s",
			format, map[string]string{"html": "html", "markdown": "md"}[format]),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, signer, err := a.loadForPublishing(cmd, args[0], keyPath)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if format == "html" {
				err = render.HTML(&buf, rep, render.HTMLOptions{Signer: signer})
			} else {
				err = render.Markdown(&buf, rep, signer)
			}
			if err != nil {
				return runtimeErr(err)
			}
			if out == "" {
				_, err = a.stdout.Write(buf.Bytes())
				return err
			}
			if err := atomicfile.Write(out, buf.Bytes(), 0o644); err != nil {
				return runtimeErr(err)
			}
			return nil
		},
	}
	addOut(cmd, &out, "file to write (default: standard output)")
	addTrustedKey(cmd, &keyPath, "trusted public key(s): verify a signed report before publishing it")
	return cmd
}

// loadForPublishing reads a plain or signed report. A signed report is
// verified when keys are given, and the returned line says what is known
// about its signature.
func (a *app) loadForPublishing(cmd *cobra.Command, path, keyPath string) (*results.Report, string, error) {
	data, err := a.limits.ReadFile(cmd.Context(), limits.ReportBytes, path)
	if err != nil {
		return nil, "", usageErr(fmt.Errorf("reading report: %w", err))
	}
	if !sign.IsEnvelope(data) {
		rep, err := store.ReadReport(cmd.Context(), path, a.limits)
		if err != nil {
			return nil, "", usageErr(err)
		}
		return rep, "unsigned report", nil
	}
	if keyPath == "" {
		rep, err := store.ReadReport(cmd.Context(), path, a.limits)
		if err != nil {
			return nil, "", usageErr(err)
		}
		return rep, "signed, NOT verified here (no --trusted-key given)", nil
	}
	keys, err := sign.LoadPublicKeys(cmd.Context(), keyPath, a.limits)
	if err != nil {
		return nil, "", usageErr(err)
	}
	res := (&verify.Verifier{Keys: keys, Limits: a.limits}).Envelope(cmd.Context(), path, data)
	rep, err := res.Report()
	if err != nil {
		fmt.Fprintln(a.stderr, "sovbench:", err)
		return nil, "", &exitError{exitClaims, err}
	}
	return rep, "verified: signature, subjects, TPM binding and every verdict re-evaluated; signed by key " + res.Signer, nil
}
