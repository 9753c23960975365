package probes

import (
	"context"
	"sync"
	"testing"
)

func TestCounterReportsEveryAttempt(t *testing.T) {
	const n = 50
	var (
		mu  sync.Mutex
		got []Progress
	)
	ctx := WithProgress(context.Background(), func(p Progress) { mu.Lock(); got = append(got, p); mu.Unlock() })
	tick := Counter(ctx, "destinations", n)
	var wg sync.WaitGroup
	for range n + 3 { // three calls too many are not reported past the total
		wg.Go(tick)
	}
	wg.Wait()
	if len(got) != n {
		t.Fatalf("%d reports for %d attempts", len(got), n)
	}
	seen := map[int]bool{}
	for _, p := range got {
		if p.Unit != "destinations" || p.Total != n || p.Done < 1 || p.Done > n || seen[p.Done] {
			t.Fatalf("bad report %+v", p)
		}
		seen[p.Done] = true
	}
}

func TestCounterWithoutASinkDoesNothing(t *testing.T) {
	tick := Counter(context.Background(), "samples", 3)
	tick() // must not panic
	called := false
	ctx := WithProgress(context.Background(), func(Progress) { called = true })
	Counter(ctx, "samples", 0)()
	if called {
		t.Error("a counter of nothing reported progress")
	}
}
