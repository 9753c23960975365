package egress

import (
	"math"
	"runtime"
	"runtime/debug"

	"github.com/sovbench/sovbench/results"
)

// Memory of a sweep. Without a limit the Go collector lets the heap grow
// to twice what is live before it collects, and a sweep of 10 000
// destinations leaves most of its garbage (dial errors, timers) in that
// headroom. The sweep sets a soft limit, when the process has none, of
// what the process holds when it starts plus a budget per attempt planned,
// so the collector runs early instead; the limit is soft (the runtime
// never fails an allocation for it) and the previous one is put back when
// the sweep's records are dropped (after its evidence was written; the
// agent writes a large sweep's record one destination at a time, so the
// writing adds little to the records).
//
// A small sweep (fewer than sweepLimitFrom attempts) sets no limit: its
// records are small, and a tight limit would make the collector run often
// under the other probes of the same agent while they time handshakes.
const (
	sweepLimitFrom     = 2000
	sweepBaseBudget    = 2 << 20 // bytes, whatever the size of the sweep
	sweepAttemptBudget = 768     // bytes per attempt planned: its record takes about 600
)

// limitMemory sets the sweep's soft memory limit for attempts planned
// attempts and returns the function that restores the previous limit. A
// limit already set (GOMEMLIMIT, or the embedding program) is left alone.
func limitMemory(attempts int) (restore func()) {
	prev := debug.SetMemoryLimit(-1)
	if prev != math.MaxInt64 || attempts < sweepLimitFrom {
		return func() {}
	}
	debug.SetMemoryLimit(heldMemory() + sweepBaseBudget + int64(attempts)*sweepAttemptBudget)
	return func() { debug.SetMemoryLimit(prev) }
}

// heldMemory is what the process holds, less heap it holds but does not
// use: in runtime/metrics' terms /memory/classes/total less heap/released,
// heap/free and heap/unused (a test checks the two agree). It reads
// runtime.MemStats, not runtime/metrics, whose package initialisation
// costs every start of the agent more than this one read costs a sweep.
func heldMemory() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.Sys - m.HeapIdle - (m.HeapInuse - m.HeapAlloc))
}

// plannedAttempts estimates the attempts of the sweep: one per method of
// every destination, a proxied method once per proxy known now.
func (e *egressProbe) plannedAttempts() int {
	n := 0
	for _, d := range e.dests {
		for _, m := range d.MethodsWith(e.p.ExtraMethods) {
			if m == results.MethodHTTPProxy || m == results.MethodHTTPSProxy {
				n += len(e.proxies)
				continue
			}
			n++
		}
	}
	return n
}
