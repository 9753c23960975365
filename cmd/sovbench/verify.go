package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/results/render"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/verify"
)

func (a *app) verifyCommand() *cobra.Command {
	var keyPath string
	cmd := &cobra.Command{
		Use:   "verify REPORT... --trusted-key PUB",
		Short: "Re-check signed reports: signature, digests, TPM binding, every verdict",
		Long: `verify checks each signed report offline, trusting only the public keys in PUB
(a PEM file, or a directory of *.pub and *.pem files):

  envelope   the file is a canonical DSSE envelope (any changed byte fails)
  signature  a trusted key signed it, and the signature names that key's id
  statement  the payload is an in-toto Statement v1 carrying a sovbench report
  suite      the embedded suite matches its SHA-256
  subjects   each subject digest matches its evidence record / target identity
  tpm        each TPM quote's nonce commits to this report's evidence
  verdicts   every claim, re-evaluated from the evidence, gives the recorded verdict

Exit codes: 0 every report verified, 1 a check failed (each failure is listed),
2 usage error. docs/verify-by-hand.md shows how to check the signature with
openssl alone.`,
		Example: "  sovbench verify sovbench-results/clarence/20261123T093000Z-0190.json --trusted-key keys/clarence.pub\n  sovbench verify -o json sovbench-results/*/*.json --trusted-key trusted-keys/",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if keyPath == "" {
				return usageErr(errors.New("verify: say --trusted-key PUB (a public key, or a directory of them)"))
			}
			keys, err := sign.LoadPublicKeys(keyPath)
			if err != nil {
				return usageErr(err)
			}
			v := &verify.Verifier{Keys: keys}
			var all []*verify.Result
			failed := 0
			for _, p := range args {
				res := v.File(cmd.Context(), p)
				all = append(all, res)
				if !res.OK() {
					failed++
				}
			}
			if err := a.printVerification(all); err != nil {
				return runtimeErr(err)
			}
			if failed > 0 {
				return &exitError{exitClaims, fmt.Errorf("%d of %d reports did not verify", failed, len(all))}
			}
			return nil
		},
	}
	addTrustedKey(cmd, &keyPath, "trusted public key, or a directory of them")
	return cmd
}

func (a *app) printVerification(all []*verify.Result) error {
	switch a.output {
	case "json":
		return writeJSON(a.stdout, all)
	case "text":
		for _, res := range all {
			if res.OK() {
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
		return nil
	}
	g := render.Grid{Header: []string{"report", "check", "subject", "ok", "detail"}}
	for _, res := range all {
		for _, c := range res.Checks {
			g.Rows = append(g.Rows, []string{res.Source, c.Name, c.Subject, fmt.Sprint(c.OK), c.Detail})
		}
	}
	return render.WriteGrid(a.stdout, g, a.output)
}
