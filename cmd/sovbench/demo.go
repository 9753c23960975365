package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/internal/atomicfile"
	"github.com/sovbench/sovbench/lab/seed"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/render"
	"github.com/sovbench/sovbench/results/sign"
	seedsuites "github.com/sovbench/sovbench/scenarios/seed"
)

func (a *app) demoCommand() *cobra.Command {
	var opt seed.Options
	var keyPath string
	var noTPM bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the seed suites against the built-in lab of seed providers (needs root)",
		Long: `demo brings up the built-in lab (providers modelled on the seeds: clarence,
s3ns, bleu, clever, azure-eu, clover, analytics; and gcp-eu, a US hyperscaler's
EU region, for contrast), runs every seed
suite against every provider, writes a signed report per suite and provider
(with an HTML page beside it), prints the providers × claims table and tears
the lab down, also on SIGINT. Without --signing-key a demo key is generated once into
<results-dir>/demo-key/; its public half verifies the reports.`,
		Example: "  sudo sovbench demo\n  sudo sovbench demo --provider clarence --suite disconnected",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return a.demo(cmd, opt, keyPath, noTPM) },
	}
	f := cmd.Flags()
	addSigningKey(cmd, &keyPath, "sign with this private key (default: <results-dir>/demo-key/sovbench.key, generated if missing)")
	f.StringVar(&opt.AgentPath, "agent", "", "agent binary to run in the lab's namespaces (default: sovbench-agent beside this binary, else this one)")
	f.StringSliceVar(&opt.Suites, "suite", nil, "run only these seed suites (default: all of "+strings.Join(seedsuites.SuiteNames(), ", ")+")")
	f.StringSliceVar(&opt.Providers, "provider", nil, "run only against these lab providers (default: all)")
	f.BoolVar(&noTPM, "no-tpm", false, "give the lab hosts no software TPM (skips the TPM claims)")
	f.StringVar(&opt.Name, "name", "", "lab name (default: seed); two demos at once need different names")
	f.IntVar(&opt.Concurrency, "concurrency", seed.DefaultConcurrency, "suite runs in flight")
	return cmd
}

// demo runs the seed demo with opt, signs and stores every report, and
// prints the providers × claims table.
func (a *app) demo(cmd *cobra.Command, opt seed.Options, keyPath string, noTPM bool) error {
	start := time.Now()
	signer, pub, err := a.demoSigner(keyPath)
	if err != nil {
		return usageErr(err)
	}
	opt.Log, opt.Harness, opt.Holder = a.log, harness(), "sovbench demo"
	if !noTPM {
		if opt.TPMDir, err = filepath.Abs(filepath.Join(a.resultsDir, "demo-key", "tpm")); err != nil {
			return runtimeErr(err)
		}
	}
	if opt.TEEDir, err = filepath.Abs(filepath.Join(a.resultsDir, "demo-key", "tee")); err != nil {
		return runtimeErr(err)
	}
	// The bar counts every probe of every suite run and moves inside the
	// running ones by their attempts, as run's bar does.
	progress, barDone := a.runBar(1)
	opt.Progress = progress
	reps, err := seed.Run(cmd.Context(), opt)
	barDone()
	if err != nil {
		return runtimeErr(err)
	}
	incomplete := 0
	for _, rep := range reps {
		if rep.Status != results.RunComplete {
			incomplete++
		}
		if err := a.storeDemoReport(cmd, rep, signer); err != nil {
			return runtimeErr(err)
		}
	}
	// The table is of the reports as this run just signed them with the
	// demo key (the key README trusts), not of unsigned reports.
	c := render.CompareReports(reps)
	c.Signers = make(map[string]render.Signer, len(reps))
	for _, rep := range reps {
		c.Signers[rep.RunID] = render.Signer{KeyID: signer.ID, Verified: true}
	}
	o := render.CompareOptions{Text: a.textOptions(), ClaimsOnly: true}
	if err := render.WriteComparison(a.stdout, c, a.output, o); err != nil {
		return runtimeErr(err)
	}
	if !a.quiet {
		fmt.Fprintf(a.stderr, "%d signed reports and HTML pages in %s (key %s)\nverify: %s verify --trusted-key %s %s\nwall time: %s\n",
			len(reps), a.resultsDir, signer.ID[:12], invokedAs(), pub, a.resultsDir, time.Since(start).Round(100*time.Millisecond))
	}
	if incomplete > 0 {
		return runtimeErr(fmt.Errorf("%d of %d runs incomplete", incomplete, len(reps)))
	}
	return nil
}

// demoSigner loads keyPath, or the demo key under the results directory,
// generating it on first use. It returns the key and its public key's path.
func (a *app) demoSigner(keyPath string) (*sign.Key, string, error) {
	if keyPath != "" {
		k, err := a.loadSigner(context.Background(), keyPath)
		return k, strings.TrimSuffix(keyPath, filepath.Ext(keyPath)) + ".pub", err
	}
	dir := filepath.Join(a.resultsDir, "demo-key")
	priv, pub := filepath.Join(dir, sign.PrivateKeyFile), filepath.Join(dir, sign.PublicKeyFile)
	if _, err := os.Stat(priv); err == nil {
		k, err := sign.LoadPrivateKey(context.Background(), priv, a.limits)
		return k, pub, err
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, "", fmt.Errorf("reading demo key: %w", err)
	}
	k, err := sign.GenerateKey(sign.KeyEd25519)
	if err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", fmt.Errorf("creating demo key directory: %w", err)
	}
	if _, _, err := sign.WriteKeyPair(dir, k); err != nil {
		return nil, "", err
	}
	return k, pub, nil
}

// storeDemoReport stores rep signed, indexes it and writes its HTML page
// beside it (same name, .html).
func (a *app) storeDemoReport(cmd *cobra.Command, rep *results.Report, k *sign.Key) error {
	path, err := a.storeSigned(cmd.Context(), rep, k)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	signer := "signed by demo key " + k.ID + " (verify with sovbench verify)"
	if err := render.HTML(&buf, rep, render.HTMLOptions{Signer: signer}); err != nil {
		return err
	}
	return atomicfile.Write(strings.TrimSuffix(path, ".json")+".html", buf.Bytes(), 0o644)
}

// invokedAs is how to run this sovbench again from here: the path it was
// started by when that has a directory (scripts/demo runs bin/sovbench,
// which is not on PATH), else "sovbench".
func invokedAs() string {
	if strings.ContainsRune(os.Args[0], filepath.Separator) && !strings.HasSuffix(os.Args[0], ".test") {
		return os.Args[0]
	}
	return "sovbench"
}
