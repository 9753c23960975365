package egress

import (
	"math"
	"runtime/debug"
	"testing"
)

// The sweep's limit is set only for a large sweep when the process has
// none, covers the budget of its attempts, and the previous limit comes back on restore.
func TestLimitMemorySetsASoftLimitOnlyWhenNoneIsSet(t *testing.T) {
	prev := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(prev)
	restore := limitMemory(10000)
	got := debug.SetMemoryLimit(-1)
	if got == math.MaxInt64 || got < sweepBaseBudget+10000*sweepAttemptBudget {
		t.Fatalf("limit %d, want at least the budget of 10000 attempts", got)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("restored limit %d, want none", got)
	}
	limitMemory(sweepLimitFrom - 1)()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("a small sweep set limit %d, want none", got)
	}
	debug.SetMemoryLimit(64 << 20) // GOMEMLIMIT or the embedding program's
	limitMemory(10000)()
	if got := debug.SetMemoryLimit(-1); got != 64<<20 {
		t.Fatalf("limit %d, want the one already set left alone", got)
	}
}
