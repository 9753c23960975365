package fleet

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/sovbench/sovbench/internal/atomicfile"
	"github.com/sovbench/sovbench/results"
)

// maxBatch bounds how many runs one group commit stores.
const maxBatch = 128

// storedRun is a verified run whose signed report is in place in the
// results directory, for Store.addRuns: the report, its path, and the
// agent whose latest run on the report's suite it becomes.
type storedRun struct {
	path    string
	rep     *results.Report
	agentID string
}

// latest is the run as /probe serves it.
func (r storedRun) latest() latestRun {
	return latestRun{runID: r.rep.RunID, at: r.rep.Ended, verdicts: r.rep.Verdicts, ok: r.rep.Satisfied()}
}

// pendingRun is a run waiting for its group commit; done receives its
// outcome once.
type pendingRun struct {
	staged *atomicfile.Staged
	run    storedRun
	done   chan error
}

// committer stores runs by group commit: a submission stages its report
// file (written and fsynced under a temporary name) and queues it; one
// submission at a time leads, taking every run queued so far (up to
// maxBatch): it renames their files into place, fsyncs each directory
// once, records them all in the store in one transaction (Store.addRuns),
// and only then answers each of them. No submission is answered before
// its report file, the directory entry and the store's record are durable,
// so nothing acknowledged is lost; a batch's cost is shared by its runs.
type committer struct {
	store Store
	log   *slog.Logger

	mu      sync.Mutex
	queue   []*pendingRun
	cleaned map[string]bool // directories whose leftovers were removed

	lead chan struct{} // held by the submission committing a batch
}

func newCommitter(st Store, log *slog.Logger) *committer {
	return &committer{store: st, log: log, cleaned: map[string]bool{}, lead: make(chan struct{}, 1)}
}

// commit queues the staged run and returns once a batch holding it is
// committed, with that batch's outcome for it. ctx bounds the store's
// work when this call leads; a batch is never cut short by another
// submission's cancellation.
func (c *committer) commit(ctx context.Context, staged *atomicfile.Staged, run storedRun) error {
	p := &pendingRun{staged: staged, run: run, done: make(chan error, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, p)
	c.mu.Unlock()
	for {
		select {
		case err := <-p.done: // checked first: a led batch may have held it
			return err
		default:
		}
		select {
		case err := <-p.done:
			return err
		case c.lead <- struct{}{}:
		}
		c.mu.Lock()
		n := min(len(c.queue), maxBatch)
		batch := c.queue[:n:n]
		c.queue = c.queue[n:]
		c.mu.Unlock()
		c.commitBatch(context.WithoutCancel(ctx), batch)
		<-c.lead
	}
}

// commitBatch places the batch's files, syncs their directories, records
// the runs that got there and answers every run in the batch.
func (c *committer) commitBatch(ctx context.Context, batch []*pendingRun) {
	errs := make([]error, len(batch))
	dirs := map[string][]int{}
	for i, p := range batch {
		errs[i] = p.staged.Place()
		if errs[i] == nil {
			d := filepath.Dir(p.run.path)
			dirs[d] = append(dirs[d], i)
		}
	}
	for d, members := range dirs {
		err := atomicfile.SyncDir(d)
		for _, i := range members {
			errs[i] = err
		}
		if err == nil && !c.cleaned[d] {
			// Once per directory, as atomicfile.Write does on every write.
			c.cleaned[d] = true
			atomicfile.RemoveLeftovers(d)
		}
	}
	var runs []storedRun
	var in []int
	for i, p := range batch {
		if errs[i] == nil {
			runs, in = append(runs, p.run), append(in, i)
		}
	}
	if len(runs) > 0 {
		if err := c.store.addRuns(ctx, runs); err != nil {
			c.log.Error("recording runs", "runs", len(runs), "err", err)
			for _, i := range in {
				errs[i] = err
			}
		}
	}
	for i, p := range batch {
		p.done <- errs[i]
	}
}
