package probes

import (
	"context"
	"sync/atomic"
)

// Progress is how far a running probe has got: Done of Total units of
// work (egress destinations, rtt samples). It is for a person
// watching a run, never evidence: nothing that decides a verdict reads it.
type Progress struct {
	Unit  string `json:"unit"`
	Done  int    `json:"done"`
	Total int    `json:"total"`
}

type progressKey struct{}

// WithProgress returns a context whose probes report their progress to f.
// f is called from the probe's goroutines, concurrently and as often as
// the probe makes an attempt: it must be safe for concurrent use, and
// whoever shows or sends the reports throttles them.
func WithProgress(ctx context.Context, f func(Progress)) context.Context {
	return context.WithValue(ctx, progressKey{}, f)
}

// Counter returns the function a probe calls once per finished attempt of
// total (unit names what it counts): each call reports one more done to
// the sink of ctx (WithProgress). Without a sink it does nothing, so a
// probe counts unconditionally. It is safe for concurrent use.
func Counter(ctx context.Context, unit string, total int) func() {
	f, _ := ctx.Value(progressKey{}).(func(Progress))
	if f == nil || total <= 0 {
		return func() {}
	}
	var done atomic.Int64
	return func() {
		if n := int(done.Add(1)); n <= total {
			f(Progress{Unit: unit, Done: n, Total: total})
		}
	}
}
