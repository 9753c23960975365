package egress

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"testing"
)

// heldMemory reads MemStats; it must mean what runtime/metrics' classes
// say (total less heap released), within what the allocations between
// the two reads can change.
func TestHeldMemoryIsTheMetricsClasses(t *testing.T) {
	keep := make([][]byte, 0, 64)
	for i := range 64 {
		keep = append(keep, make([]byte, 16<<10*(i%4+1)))
	}
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	// runtime/metrics lag until the runtime flushes its per-thread
	// statistics, which ReadMemStats (stopping the world) does; the first
	// Read also sets up runtime/metrics' own state, which allocates.
	heldMemory()
	metrics.Read(s)
	metrics.Read(s)
	want := int64(s[0].Value.Uint64() - s[1].Value.Uint64())
	got := heldMemory()
	if d := got - want; d < -256<<10 || d > 256<<10 {
		t.Fatalf("heldMemory %d, runtime/metrics say %d", got, want)
	}
	if got < 1<<20 {
		t.Fatalf("heldMemory %d: less than the 1 MiB this test keeps", got)
	}
	_ = keep
}

// The sweep's limit is set only for a large sweep when the process has
// none, covers the budget of its attempts, and the previous limit comes back on restore.
func TestLimitMemorySetsASoftLimitOnlyWhenNoneIsSet(t *testing.T) {
	prev := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(prev)
	restore := limitMemory(8000, 2000)
	got := debug.SetMemoryLimit(-1)
	if got == math.MaxInt64 || got < sweepBaseBudget+8000*sweepPlainBudget+2000*sweepAttemptBudget {
		t.Fatalf("limit %d, want at least the budget of 8000 plain connects and 2000 other attempts", got)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("restored limit %d, want none", got)
	}
	limitMemory(sweepLimitFrom-2, 1)()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("a small sweep set limit %d, want none", got)
	}
	debug.SetMemoryLimit(64 << 20) // GOMEMLIMIT or the embedding program's
	limitMemory(10000, 0)()
	if got := debug.SetMemoryLimit(-1); got != 64<<20 {
		t.Fatalf("limit %d, want the one already set left alone", got)
	}
}
