package fleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/fleet/pgtest"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/store"
)

// An impostor holding a revoked agent's credential tries the verifier
// that still has the agent in its authentication cache (another verifier,
// or "serve revoke" in another process, revoked it): the nonce may come
// from the cache, but the run is refused as revoked, leaves no report and
// no index row, and /probe says revoked; the agent's twin, not revoked,
// keeps submitting through the same verifier.
func TestARevocationElsewhereStopsACachedAgentsRuns(t *testing.T) {
	for _, kind := range []storeKind{sqliteKind, pgKind(pgtest.Start(t))} {
		t.Run(kind.name, func(t *testing.T) {
			ctx := context.Background()
			ts := newTestServerWith(t, "testdata", kind)
			elsewhere := ts.sibling(t)
			revoked, resp := ts.enrolWith(t, Token{}, "cached-host")
			twin, _ := ts.enrolWith(t, Token{}, "twin-host")
			first := satisfiedRun(t, revoked) // authenticated: now in ts's cache
			if _, err := elsewhere.store.Revoke(ctx, resp.AgentID); err != nil {
				t.Fatal(err)
			}
			n, err := revoked.Nonce(ctx, "fleet-lenient")
			if err == nil {
				_, err = revoked.Submit(ctx, api.Submission{Suite: "fleet-lenient", Nonce: n.Nonce, Evidence: []results.Evidence{hostEvidence("host")}})
			}
			refusedWith(t, err, api.CodeRevoked, resp.AgentID)
			satisfiedRun(t, twin)
			files, _ := filepath.Glob(filepath.Join(ts.dir, "*", "*.json"))
			if len(files) != 2 {
				t.Errorf("%d report files, want 2 (the revoked agent's first run and its twin's)", len(files))
			}
			ts.probeSays(t, "suite=fleet-lenient&target=cached-host", "sovbench_probe_success 0", `reason="revoked"`, first.RunID)
			if kind.sqlite {
				if runs, err := ts.index.Runs(ctx); err != nil || len(runs) != 2 {
					t.Errorf("index holds %d runs, %v; want 2", len(runs), err)
				}
			}
		})
	}
}

// One group commit holds runs of an active agent, of an agent revoked
// through another store object (so no cache of this one knows) and of an
// agent ID the store never issued: the first is stored and answered, the
// other two are refused with their reasons and leave no file, and neither
// sinks the batch.
func TestABatchRefusesTheRunsOfRevokedAgentsAlone(t *testing.T) {
	ctx := context.Background()
	ts := newTestServer(t)
	_, good := ts.enrolWith(t, Token{}, "good")
	_, bad := ts.enrolWith(t, Token{}, "bad")
	if _, err := ts.sibling(t).store.Revoke(ctx, bad.AgentID); err != nil {
		t.Fatal(err)
	}
	agents := []string{good.AgentID, bad.AgentID, api.AgentIDPrefix + "0000000000000000", good.AgentID}
	var batch []*pendingRun
	for i, id := range agents {
		rep := testReport(fmt.Sprintf("run-%d", i))
		batch = append(batch, &pendingRun{file: []byte("{}\n"), run: storedRun{path: store.ReportPath(ts.dir, rep), rep: rep, agentID: id}, done: make(chan error, 1)})
	}
	ts.commits.commitBatch(ctx, batch)
	for i, want := range []error{nil, ErrRevoked, ErrForbidden, nil} {
		err := <-batch[i].done
		if (want == nil) != (err == nil) || (want != nil && !errors.Is(err, want)) {
			t.Errorf("run %d (agent %s): %v, want %v", i, agents[i], err, want)
		}
		_, statErr := os.Stat(batch[i].run.path)
		if (statErr == nil) != (want == nil) {
			t.Errorf("run %d: report file present %v, want %v", i, statErr == nil, want == nil)
		}
	}
	if runs, err := ts.index.Runs(ctx); err != nil || len(runs) != 2 {
		t.Errorf("index holds %d runs, %v; want the 2 of the active agent", len(runs), err)
	}
}

// A revocation through the store that serves applies at once, also to an
// agent the cache holds.
func TestARevocationHereAppliesAtOnce(t *testing.T) {
	ctx := context.Background()
	ts := newTestServer(t)
	c, resp := ts.enrolWith(t, Token{}, "here")
	mustNonce(t, c) // cached
	if _, err := ts.store.Revoke(ctx, resp.AgentID); err != nil {
		t.Fatal(err)
	}
	_, err := c.Nonce(ctx, "fleet-host")
	refusedWith(t, err, api.CodeRevoked, resp.AgentID)
	// Replacing revokes too: the replaced agent is refused at once.
	d, old := ts.enrolWith(t, Token{}, "replaced")
	mustNonce(t, d)
	ts.enrolWith(t, Token{Replaces: old.AgentID}, "replacing")
	_, err = d.Nonce(ctx, "fleet-host")
	refusedWith(t, err, api.CodeRevoked, "replaced by")
}

// A run the store refuses (a NUL byte and invalid UTF-8 in a verdict's
// reason, which PostgreSQL's text columns do not take) must not sink the
// runs it shares a group commit with: they are stored and answered; the
// bad run alone is refused, or stored, never answered as stored unstored.
func TestABadRunDoesNotSinkItsBatch(t *testing.T) {
	for _, kind := range []storeKind{sqliteKind, pgKind(pgtest.Start(t))} {
		t.Run(kind.name, func(t *testing.T) {
			ctx := context.Background()
			ts := newTestServerWith(t, "testdata", kind)
			_, a := ts.enrolWith(t, Token{}, "batch-host")
			var batch []*pendingRun
			for i := range 3 {
				rep := testReport(fmt.Sprintf("run-%d", i))
				if i == 1 {
					rep.Verdicts[0].Reason = "nul \x00 and \xff"
				}
				batch = append(batch, &pendingRun{file: []byte("{}\n"), run: storedRun{path: store.ReportPath(ts.dir, rep), rep: rep, agentID: a.AgentID}, done: make(chan error, 1)})
			}
			ts.commits.commitBatch(ctx, batch)
			for i, p := range batch {
				err := <-p.done
				if i != 1 && err != nil {
					t.Errorf("good run %d: %v", i, err)
				}
				if i == 1 {
					t.Logf("the bad run: %v", err)
				}
			}
			got, err := ts.store.probeTarget(ctx, "fleet-host", "batch-host")
			if err != nil || got.run.runID != "run-2" {
				t.Errorf("latest run %q, %v; want run-2", got.run.runID, err)
			}
		})
	}
}
