package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/results/render"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/results/store"
	"github.com/sovbench/sovbench/verify"
)

// unverifiedSigner returns a signed report's run id and its signer's whole
// key id, not verified (compare --no-verify).
func unverifiedSigner(data []byte) (runID string, signer render.Signer, err error) {
	rep, err := sign.ReadUnverified(data)
	env, perr := sign.ParseEnvelope(data)
	if err != nil || perr != nil {
		return "", render.Signer{}, fmt.Errorf("reading signed report: %w", errors.Join(err, perr))
	}
	return rep.RunID, render.Signer{KeyID: env.Signatures[0].KeyID}, nil
}

// verifyCompared verifies every signed report among the compared inputs
// (the files and directories in paths, or --results-dir with --index) and
// returns their signers by run id, nil when no report is signed. A signed
// report that does not verify stops the comparison (exit 1, failures listed
// on stderr); signed reports need keyPath unless noVerify, which returns
// their key ids marked not verified. Files that are not reports are added
// to s.
func (a *app) verifyCompared(ctx context.Context, paths []string, keyPath string, noVerify bool, s *skips) (map[string]render.Signer, error) {
	files, skipped, err := store.ReportFiles(paths...)
	if err != nil {
		return nil, usageErr(err)
	}
	s.add(skipped...)
	var v *verify.Verifier
	if keyPath != "" && !noVerify {
		keys, err := sign.LoadPublicKeys(ctx, keyPath, a.limits)
		if err != nil {
			return nil, usageErr(err)
		}
		v = &verify.Verifier{Keys: keys, Limits: a.limits}
	}
	var signers map[string]render.Signer
	var failed []error
	for _, f := range files {
		if s.has(f) { // not a report: it was not compared either
			continue
		}
		data, err := a.limits.ReadFile(ctx, limits.ReportBytes, f)
		if err != nil {
			if ctx.Err() != nil {
				return nil, runtimeErr(err)
			}
			s.add(store.SkippedFile{Path: f, Err: err})
			continue
		}
		if !sign.IsEnvelope(data) {
			continue
		}
		if signers == nil {
			signers = map[string]render.Signer{}
		}
		if noVerify {
			if id, signer, err := unverifiedSigner(data); err != nil {
				s.add(store.SkippedFile{Path: f, Err: err})
			} else {
				signers[id] = signer
			}
			continue
		}
		if v == nil {
			return nil, usageErr(fmt.Errorf("compare: %s is signed; give --trusted-key PUB to verify it, or --no-verify", f))
		}
		res := v.Envelope(ctx, f, data)
		rep, err := res.Report()
		if err != nil {
			failed = append(failed, err)
			continue
		}
		signers[rep.RunID] = render.Signer{KeyID: res.Signer, Verified: true}
	}
	if err := a.listFailed(failed); err != nil {
		return nil, err
	}
	return signers, nil
}

// listFailed prints each verification failure and returns the error that
// exits 1, or nil when there is none.
func (a *app) listFailed(failed []error) error {
	if len(failed) == 0 {
		return nil
	}
	for _, err := range failed {
		fmt.Fprintln(a.stderr, "sovbench:", err)
	}
	return &exitError{exitClaims, fmt.Errorf("%d signed reports did not verify", len(failed))}
}
