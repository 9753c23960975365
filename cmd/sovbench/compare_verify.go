package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sovbench/sovbench/results/render"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/results/store"
	"github.com/sovbench/sovbench/verify"
)

// verifyCompared verifies every signed report among the compared inputs
// (the files and directories in paths, or --results-dir with --index) and
// adds the signers' key ids to the grid when any report is signed. A signed report that does not
// verify stops the comparison (exit 1, failures listed on stderr); signed
// reports need keyPath unless noVerify, which shows their key ids marked
// "not verified".
func (a *app) verifyCompared(ctx context.Context, g *render.Grid, runs []store.RunRecord, paths []string, keyPath string, noVerify bool) error {
	files, err := jsonFiles(paths)
	if err != nil {
		return usageErr(err)
	}
	var v *verify.Verifier
	if keyPath != "" && !noVerify {
		keys, err := sign.LoadPublicKeys(keyPath)
		if err != nil {
			return usageErr(err)
		}
		v = &verify.Verifier{Keys: keys}
	}
	signers := map[string]string{}
	var failed []error
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return runtimeErr(fmt.Errorf("reading report: %w", err))
		}
		if !sign.IsEnvelope(data) {
			continue
		}
		if noVerify {
			rep, err := sign.ReadUnverified(data)
			env, perr := sign.ParseEnvelope(data)
			if err != nil || perr != nil {
				return usageErr(fmt.Errorf("reading signed report %s: %w", f, errors.Join(err, perr)))
			}
			signers[rep.RunID] = env.Signatures[0].KeyID[:16] + "… (not verified)"
			continue
		}
		if v == nil {
			return usageErr(fmt.Errorf("compare: %s is signed; give --trusted-key PUB to verify it, or --no-verify", f))
		}
		res := v.Envelope(ctx, f, data)
		rep, err := res.Report()
		if err != nil {
			failed = append(failed, err)
			continue
		}
		signers[rep.RunID] = res.Signer
	}
	if len(failed) > 0 {
		for _, err := range failed {
			fmt.Fprintln(a.stderr, "sovbench:", err)
		}
		return &exitError{exitClaims, fmt.Errorf("%d signed reports did not verify", len(failed))}
	}
	if len(signers) > 0 { // a table of plain reports only stays as it was
		render.AddSigners(g, runs, signers)
	}
	return nil
}

// jsonFiles lists the *.json files among paths, directories searched
// recursively (testdata and hidden directories skipped).
func jsonFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(path, ".json") && !strings.HasPrefix(d.Name(), ".") {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
	}
	return out, nil
}
