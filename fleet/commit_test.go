package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/fleet/pgtest"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/store"
)

// Submissions racing each other are committed in shared batches: every
// one is answered, and every answered run's report is in place, verifies
// as stored, is indexed and is its agent's latest run, on both stores.
func TestConcurrentSubmissionsAreAllStored(t *testing.T) {
	for _, kind := range []storeKind{sqliteKind, pgKind(pgtest.Start(t))} {
		t.Run(kind.name, func(t *testing.T) {
			ctx := context.Background()
			ts := newTestServerWith(t, "testdata", kind)
			const n = 24
			ids := make([]string, n)
			var wg sync.WaitGroup
			for i := range n {
				c := ts.enrolled(t, fmt.Sprintf("web-%d", i))
				wg.Go(func() {
					nc, err := c.Nonce(ctx, "fleet-host")
					if err != nil {
						t.Error(err)
						return
					}
					resp, err := c.Submit(ctx, api.Submission{Suite: "fleet-host", Nonce: nc.Nonce, Started: time.Now(), Evidence: []results.Evidence{hostEvidence("facts")}})
					if err != nil {
						t.Error(err)
						return
					}
					ids[i] = resp.RunID
				})
			}
			wg.Wait()
			if t.Failed() {
				t.FailNow()
			}
			paths, _ := filepath.Glob(filepath.Join(ts.dir, "*", "*.json"))
			if len(paths) != n {
				t.Errorf("%d report files, want %d", len(paths), n)
			}
			for i, id := range ids {
				p, err := ts.store.probeTarget(ctx, "fleet-host", fmt.Sprintf("web-%d", i))
				if err != nil || p.run.runID != id {
					t.Errorf("web-%d: latest run %q, %v; want %s", i, p.run.runID, err, id)
				}
			}
			if kind.sqlite {
				runs, err := ts.index.Runs(ctx)
				if err != nil || len(runs) != n {
					t.Errorf("index holds %d runs, %v; want %d", len(runs), err, n)
				}
			}
		})
	}
}

// failingStore records nothing: addRuns fails.
type failingStore struct{ Store }

func (failingStore) addRuns(context.Context, []storedRun) error { return errors.New("disk full") }

func (failingStore) revokedAmong(context.Context, []string) (map[string]error, error) {
	return nil, nil
}

// When the store cannot record a batch, every run of it is refused (none
// is answered as stored), while the report files stay as written.
func TestAFailedBatchFailsEachOfItsRuns(t *testing.T) {
	dir := t.TempDir()
	c := newCommitter(failingStore{}, slog.New(slog.DiscardHandler))
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			rep := &results.Report{RunID: fmt.Sprintf("run-%d", i), Provider: results.Provider{Name: "acme"}}
			errs[i] = c.commit(context.Background(), []byte("{}\n"), storedRun{path: store.ReportPath(dir, rep), rep: rep, agentID: "a"})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil || err.Error() != "disk full" {
			t.Errorf("run %d: %v, want the store's error", i, err)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "acme")); len(ents) != len(errs) {
		t.Errorf("%d files, want %d", len(ents), len(errs))
	}
}

// A file that cannot be written fails its own run only.
func TestAFileThatCannotBeWrittenFailsItsRunOnly(t *testing.T) {
	ts := newTestServer(t)
	blocked := &results.Report{RunID: "run-blocked", Provider: results.Provider{Name: "blocked"}}
	if err := os.WriteFile(filepath.Join(ts.dir, "blocked"), nil, 0o600); err != nil { // a file where its directory should be
		t.Fatal(err)
	}
	ok := testReport("run-ok")
	ctx := context.Background()
	tok, err := ts.store.IssueToken(ctx, Token{TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	agent, _, err := ts.store.Enrol(ctx, tok, "web-1")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var errOK, errBlocked error
	wg.Go(func() {
		errOK = ts.commits.commit(ctx, []byte("{}\n"), storedRun{path: store.ReportPath(ts.dir, ok), rep: ok, agentID: agent.ID})
	})
	wg.Go(func() {
		errBlocked = ts.commits.commit(ctx, []byte("{}\n"), storedRun{path: store.ReportPath(ts.dir, blocked), rep: blocked, agentID: agent.ID})
	})
	wg.Wait()
	if errOK != nil || errBlocked == nil {
		t.Errorf("writable run: %v (want nil); blocked run: %v (want an error)", errOK, errBlocked)
	}
}

// panickingStore panics while recording runs.
type panickingStore struct{ Store }

func (panickingStore) addRuns(context.Context, []storedRun) error { panic("driver bug") }

func (panickingStore) revokedAmong(context.Context, []string) (map[string]error, error) {
	return nil, nil
}

// A batch whose commit panics answers its runs with an error and gives up
// the lead: the next submission is committed, nobody waits forever.
func TestAPanickingCommitAnswersItsRunsAndFreesTheLead(t *testing.T) {
	dir := t.TempDir()
	c := newCommitter(panickingStore{}, slog.New(slog.DiscardHandler))
	for i := range 2 {
		rep := &results.Report{RunID: fmt.Sprintf("run-%d", i), Provider: results.Provider{Name: "acme"}}
		done := make(chan error, 1)
		go func() {
			done <- c.commit(context.Background(), []byte("{}\n"), storedRun{path: store.ReportPath(dir, rep), rep: rep, agentID: "a"})
		}()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("run %d: committed without error", i)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("run %d: no answer after a panicking commit", i)
		}
	}
}
