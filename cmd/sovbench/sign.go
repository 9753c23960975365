package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/internal/atomicfile"
	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/results/store"
)

func (a *app) signCommand() *cobra.Command {
	var keyPath, out string
	cmd := &cobra.Command{
		Use:   "sign REPORT --signing-key KEY",
		Short: "Sign a stored report",
		Long: `sign wraps a plain report in an in-toto statement (subjects: the suite, each
target's identity evidence, each evidence record, with their SHA-256) and signs
it as a DSSE envelope with the private key KEY. The envelope replaces REPORT (or goes to --out):
it holds the whole report, and show, compare and index read it like a plain one.`,
		Example: "  sovbench sign sovbench-results/this-host/20261123T093000Z-0190.json --signing-key ~/.sovbench/sovbench.key",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := a.loadSigner(cmd.Context(), keyPath)
			if err != nil {
				return usageErr(err)
			}
			if k == nil {
				return usageErr(errors.New("sign: say --signing-key KEY (your private key)"))
			}
			data, err := a.limits.ReadFile(cmd.Context(), limits.ReportBytes, args[0])
			if err != nil {
				return usageErr(fmt.Errorf("reading report: %w", err))
			}
			if sign.IsEnvelope(data) {
				return usageErr(fmt.Errorf("%s is already signed", args[0]))
			}
			rep, err := store.ReadReport(cmd.Context(), args[0], a.limits)
			if err != nil {
				return usageErr(err)
			}
			env, err := sign.SignReport(cmd.Context(), rep, k)
			if err != nil {
				return runtimeErr(err)
			}
			if out == "" {
				out = args[0]
			}
			if err := atomicfile.Write(out, env, 0o644); err != nil {
				return runtimeErr(err)
			}
			if !a.quiet {
				fmt.Fprintf(a.stderr, "signed report: %s (key %s)\n", out, k.ID)
			}
			return nil
		},
	}
	addSigningKey(cmd, &keyPath, "private key that signs (PKCS#8 PEM, mode 0600)")
	addOut(cmd, &out, "where to write the signed report (default: replace REPORT)")
	return cmd
}

// loadSigner loads the private key at path; nil without a path.
func (a *app) loadSigner(ctx context.Context, path string) (*sign.Key, error) {
	if path == "" {
		return nil, nil
	}
	return sign.LoadPrivateKey(ctx, path, a.limits)
}

// keyID is k's key id, "" for no key (an unsigned report).
func keyID(k *sign.Key) string {
	if k == nil {
		return ""
	}
	return k.ID
}

// storeSigned stores rep signed with k (plain when k is nil) and indexes it
// as store does.
func (a *app) storeSigned(ctx context.Context, rep *results.Report, k *sign.Key) (string, error) {
	if k == nil {
		return a.store(rep)
	}
	path, err := store.WriteSignedReport(ctx, a.resultsDir, rep, k)
	if err != nil {
		return "", err
	}
	ictx, cancel := context.WithTimeout(context.Background(), indexTimeout)
	defer cancel()
	if err := a.index(ictx, path, rep); err != nil {
		a.log.Warn("report written but not indexed; run `sovbench index rebuild`", "report", path, "err", err)
	}
	return path, nil
}
