package fleet

import (
	"context"
	"fmt"
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

// pendingRun is a run waiting for its group commit: its signed report
// file's bytes and what the store records; done receives its outcome once.
type pendingRun struct {
	file []byte
	run  storedRun
	done chan error
}

// committer stores runs by group commit: a submission queues its signed
// report; one submission at a time leads, taking every run queued so far
// (up to maxBatch): it writes their files (atomicfile.WriteBatch: one
// journal commit and one directory fsync shared by all), records them all
// in the store in one transaction (Store.addRuns), and only then answers
// each of them. No submission is answered before
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

// commit queues the run, its signed report file being file, and returns once a batch holding it is
// committed, with that batch's outcome for it. ctx bounds the store's
// work when this call leads; a batch is never cut short by another
// submission's cancellation.
func (c *committer) commit(ctx context.Context, file []byte, run storedRun) error {
	p := &pendingRun{file: file, run: run, done: make(chan error, 1)}
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
		c.leadBatch(context.WithoutCancel(ctx), batch)
	}
}

// leadBatch commits one batch and gives up the lead, also when committing
// panics: then every run of the batch not yet answered gets an error, so
// that neither they nor later submissions wait forever.
func (c *committer) leadBatch(ctx context.Context, batch []*pendingRun) {
	defer func() { <-c.lead }()
	defer func() {
		if v := recover(); v != nil {
			c.log.Error("committing runs", "runs", len(batch), "panic", v)
			err := fmt.Errorf("committing runs: %v", v)
			for _, p := range batch {
				select {
				case p.done <- err:
				default: // answered already
				}
			}
		}
	}()
	c.commitBatch(ctx, batch)
}

// commitBatch asks the store which of the batch's agents may no longer
// submit, writes the files of the others' runs, records the runs that got
// there and answers every run in the batch: a run of a revoked agent, or
// one whose file or record failed, is refused alone.
func (c *committer) commitBatch(ctx context.Context, batch []*pendingRun) {
	errs := c.refuseRevoked(ctx, batch)
	var files []atomicfile.File
	var at []int
	for i, p := range batch {
		if errs[i] == nil {
			files, at = append(files, atomicfile.File{Path: p.run.path, Data: p.file, Perm: 0o644}), append(at, i)
		}
	}
	for j, err := range atomicfile.WriteBatch(files) {
		errs[at[j]] = err
	}
	var runs []storedRun
	var in []int
	for i, p := range batch {
		if errs[i] != nil {
			continue
		}
		if d := filepath.Dir(p.run.path); !c.cleaned[d] {
			// Once per directory, as atomicfile.Write does on every write.
			c.cleaned[d] = true
			atomicfile.RemoveLeftovers(d)
		}
		runs, in = append(runs, p.run), append(in, i)
	}
	if len(runs) > 0 {
		if err := c.store.addRuns(ctx, runs); err != nil {
			c.recordEach(ctx, runs, in, errs, err)
		}
	}
	for i, p := range batch {
		p.done <- errs[i]
	}
}

// recordEach records the runs of a batch the store refused as a whole one
// by one, each in its own transaction, so that one run the store cannot
// take (text a database refuses, say) fails alone instead of sinking the
// batch. runs[j] is batch run in[j]; its outcome goes to errs[in[j]].
func (c *committer) recordEach(ctx context.Context, runs []storedRun, in []int, errs []error, err error) {
	c.log.Error("recording runs", "runs", len(runs), "err", err)
	if len(runs) == 1 {
		errs[in[0]] = err
		return
	}
	for j := range runs {
		if errs[in[j]] = c.store.addRuns(ctx, runs[j:j+1]); errs[in[j]] != nil {
			c.log.Error("recording run", "run", runs[j].rep.RunID, "err", errs[in[j]])
		}
	}
}

// refuseRevoked returns, per run of the batch, the reason its agent may
// no longer submit (nil for none): the store's own answer, read once for
// the batch, so that a revocation committed by any verifier before the
// batch began refuses its runs, whatever an authentication cache held.
// When the store cannot answer, every run is refused.
func (c *committer) refuseRevoked(ctx context.Context, batch []*pendingRun) []error {
	errs := make([]error, len(batch))
	var ids []string
	seen := map[string]bool{}
	for _, p := range batch {
		if !seen[p.run.agentID] {
			seen[p.run.agentID] = true
			ids = append(ids, p.run.agentID)
		}
	}
	refused, err := c.store.revokedAmong(ctx, ids)
	if err != nil {
		c.log.Error("checking agents", "agents", len(ids), "err", err)
	}
	for i, p := range batch {
		if err != nil {
			errs[i] = err
		} else {
			errs[i] = refused[p.run.agentID]
		}
	}
	return errs
}
