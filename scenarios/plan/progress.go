package plan

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/sovbench/sovbench/internal/strictjson"
	"github.com/sovbench/sovbench/probes"
)

// ProgressEvery is how often at most the agent writes one step's progress
// to the stdio protocol; a step's last report (Done == Total) always goes.
const ProgressEvery = 100 * time.Millisecond

// StepProgress is the progress of one step of a plan (probes.Progress).
// On the stdio protocol it is the line {"progress": StepProgress}, which an
// agent writes only when the plan asks for it (Plan.Progress), so a runner
// that does not know the line never receives it.
type StepProgress struct {
	Step string `json:"step"`
	probes.Progress
}

// progressLine is a progress line of the stdio protocol.
type progressLine struct {
	Progress StepProgress `json:"progress"`
}

// progressPrefix starts every progress line (encoding/json writes fields in
// order) and no evidence line, whose first field is its id.
var progressPrefix = []byte(`{"progress":`)

// ParseProgress reads line as a progress line of the stdio protocol: ok is
// false when it is not one (an evidence line), err when it is one but does
// not decode strictly or its numbers make no sense.
func ParseProgress(line []byte) (sp StepProgress, ok bool, err error) {
	if !bytes.HasPrefix(bytes.TrimLeft(line, " \t"), progressPrefix) {
		return StepProgress{}, false, nil
	}
	var pl progressLine
	if err := strictjson.Decode(line, &pl); err != nil {
		return StepProgress{}, true, fmt.Errorf("decoding agent progress: %w", err)
	}
	p := pl.Progress
	if p.Total <= 0 || p.Done < 0 || p.Done > p.Total {
		return StepProgress{}, true, fmt.Errorf("decoding agent progress: %d done of %d", p.Done, p.Total)
	}
	return p, true, nil
}

// stepProgress returns ctx with the probe progress sink of step id, which
// passes reports on to f; ctx itself when f is nil.
func stepProgress(ctx context.Context, id string, f func(StepProgress)) context.Context {
	if f == nil {
		return ctx
	}
	return probes.WithProgress(ctx, func(p probes.Progress) { f(StepProgress{Step: id, Progress: p}) })
}

// Throttle passes on to f at most one report per step every interval, the
// furthest one so far, and always a step's last (Done == Total); reports
// that arrive out of order (behind one passed on) are dropped. now is the
// clock (time.Now when nil). It is safe for concurrent use.
func Throttle(every time.Duration, now func() time.Time, f func(StepProgress)) func(StepProgress) {
	if now == nil {
		now = time.Now
	}
	type seen struct {
		at   time.Time
		done int
	}
	var (
		mu   sync.Mutex
		last = map[string]seen{}
	)
	return func(p StepProgress) {
		mu.Lock()
		defer mu.Unlock()
		key := p.Step + "\x00" + p.Unit
		t := now()
		if s, ok := last[key]; ok && (p.Done <= s.done || (p.Done < p.Total && t.Sub(s.at) < every)) {
			return
		}
		last[key] = seen{at: t, done: p.Done}
		f(p)
	}
}
