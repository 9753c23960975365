package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/results/render"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/results/store"
	"github.com/sovbench/sovbench/verify"
)

func (a *app) verifyCommand() *cobra.Command {
	var keyPath, verifierKeys string
	var roots tpmRootsOpts
	cmd := &cobra.Command{
		Use:   "verify REPORT|DIR... --trusted-key PUB",
		Short: "Re-check signed reports: signature, digests, TPM binding, every verdict",
		Long: `verify checks each signed report offline, trusting only the public keys in PUB
(a PEM file, or a directory of *.pub and *.pem files):

  envelope   the file is a canonical DSSE envelope (any changed byte fails)
  signature  a trusted key signed it, and the signature names that key's id
  statement  the payload is an in-toto Statement v1 carrying a sovbench report
  suite      the embedded suite matches its SHA-256
  subjects   each subject digest matches its evidence record / target identity
  tpm        each TPM quote's nonce commits to this report's evidence, and an
             activation confirmed by a verifier names the key that signed
  verdicts   every claim, re-evaluated from the evidence, gives the recorded verdict

A DIR is searched recursively for report files (*.json, hidden files and
testdata folders left out). A file there that cannot be read or is not JSON
at all (truncated, too large) is skipped with a warning naming it; every
other one must verify.

TPM verdicts are re-evaluated with the embedded EK CA bundle plus --tpm-roots,
minus --tpm-exclude-root (sovbench tpm-roots lists them). A report records the
anchors (by SHA-256) its TPM verdicts rest on; one this machine does not hold
is named in the failure. A hardware verdict also rests on the verifier that
confirmed the TPM's AK↔EK binding, which must be the report's signer; with
--tpm-verifier-key only the named verifiers' confirmations count, so that a
provider signing its own reports cannot confirm its own TPM.

Exit codes: 0 every report verified, 1 a check failed (each failure is listed),
2 usage error, 4 every report read verified but some files were skipped.
docs/verify-by-hand.md shows how to check the signature with openssl alone.`,
		Example: "  sovbench verify sovbench-results/clarence/20261123T093000Z-0190.json --trusted-key keys/clarence.pub\n  sovbench verify -o json sovbench-results/*/*.json --trusted-key trusted-keys/\n  sovbench verify --trusted-key trusted-keys/ sovbench-results/",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := a.newVerifier(cmd.Context(), keyPath, verifierKeys, roots)
			if err != nil {
				return err
			}
			var s skips
			all, err := a.verifyAll(cmd.Context(), v, args, &s)
			if err != nil {
				return firstErr(err, a.reportSkipped(&s))
			}
			if err := a.printVerification(all); err != nil {
				return runtimeErr(err)
			}
			return firstErr(failures(all), a.reportSkipped(&s))
		},
	}
	addTrustedKey(cmd, &keyPath, "trusted public key, or a directory of them")
	addTPMRoots(cmd, &roots)
	cmd.Flags().StringVar(&verifierKeys, "tpm-verifier-key", "", "public key(s) of the TPM verifiers you trust (sovbench serve): only their confirmations of an AK↔EK binding count (default: any trusted signer's)")
	return cmd
}

// failures is the exit error when a report did not verify, else nil.
func failures(all []*verify.Result) error {
	failed := 0
	for _, res := range all {
		if !res.OK() {
			failed++
		}
	}
	if failed > 0 {
		return &exitError{exitClaims, fmt.Errorf("%d of %d reports did not verify", failed, len(all))}
	}
	return nil
}

// verifyAll verifies each file argument, and each report file under each
// directory argument. A file under a directory that cannot be read or is
// not JSON is skipped into s; a named file always gets its result.
func (a *app) verifyAll(ctx context.Context, v *verify.Verifier, args []string, s *skips) ([]*verify.Result, error) {
	var all []*verify.Result
	for _, p := range args {
		if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			all = append(all, v.File(ctx, p))
			continue
		}
		files, skipped, err := store.ReportFiles(p)
		if err != nil {
			return nil, usageErr(err)
		}
		s.add(skipped...)
		if len(files) == 0 {
			return nil, usageErr(fmt.Errorf("no report files in %s", p))
		}
		for _, f := range files {
			data, err := a.limits.ReadFile(ctx, limits.ReportBytes, f)
			switch {
			case err != nil && ctx.Err() != nil:
				return nil, runtimeErr(err)
			case err != nil:
				s.add(store.SkippedFile{Path: f, Err: err})
			case !json.Valid(data):
				s.add(store.SkippedFile{Path: f, Err: errors.New("not JSON (truncated or not a report)")})
			default:
				all = append(all, v.Envelope(ctx, f, data))
			}
		}
	}
	return all, nil
}

// newVerifier is verify's verifier: the trusted keys at keyPath, the EK
// anchors of roots and, when verifierKeys is set, only those TPM verifiers.
func (a *app) newVerifier(ctx context.Context, keyPath, verifierKeys string, roots tpmRootsOpts) (*verify.Verifier, error) {
	if keyPath == "" {
		return nil, usageErr(errors.New("verify: say --trusted-key PUB (a public key, or a directory of them)"))
	}
	keys, err := sign.LoadPublicKeys(ctx, keyPath, a.limits)
	if err != nil {
		return nil, usageErr(err)
	}
	ts, err := roots.store()
	if err != nil {
		return nil, err
	}
	v := &verify.Verifier{Keys: keys, TPMRoots: ts, Limits: a.limits}
	if verifierKeys != "" {
		vks, err := sign.LoadPublicKeys(ctx, verifierKeys, a.limits)
		if err != nil {
			return nil, usageErr(fmt.Errorf("--tpm-verifier-key: %w", err))
		}
		v.TPMVerifiers = []string{}
		for _, k := range vks {
			v.TPMVerifiers = append(v.TPMVerifiers, k.ID)
		}
	}
	return v, nil
}

func (a *app) printVerification(all []*verify.Result) error {
	switch a.output {
	case "json":
		return writeJSON(a.stdout, all)
	case "text":
		verified := 0
		for _, res := range all {
			if res.OK() {
				verified++
				fmt.Fprintf(a.stdout, "%s: verified, signed by %s\n", res.Source, res.Signer)
			} else {
				fmt.Fprintf(a.stdout, "%s: FAILED, %d of %d checks\n", res.Source, len(res.Failures()), len(res.Checks))
			}
			for _, c := range res.Checks {
				mark := "ok  "
				if !c.OK {
					mark = "FAIL"
				}
				fmt.Fprintf(a.stdout, "  %s %s\n", mark, c)
			}
		}
		// The last line is the result, for a folder of many reports.
		fmt.Fprintf(a.stdout, "%d of %d reports verified\n", verified, len(all))
		return nil
	}
	g := render.Grid{Header: []string{"report", "check", "subject", "ok", "detail"}}
	for _, res := range all {
		for _, c := range res.Checks {
			g.Rows = append(g.Rows, []string{res.Source, c.Name, c.Subject, fmt.Sprint(c.OK), c.Detail})
		}
	}
	return a.writeGrid(g)
}
