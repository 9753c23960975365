package egress

import (
	"math"
	"runtime"
	"runtime/debug"

	"github.com/sovbench/sovbench/results"
)

// Memory of a sweep. Without a limit the Go collector lets the heap grow
// to twice what is live (and at least to 4 MB) before it collects, and a
// sweep of 10 000 destinations leaves most of its garbage (dial errors,
// the records built again while its evidence is written) in that
// headroom. The sweep sets a soft limit, when the process has none, of
// what the process holds when it starts plus a budget per attempt
// planned, so the collector runs early instead and the sweep's footprint
// grows by about the budget; the limit is soft (the
// runtime never fails an allocation for it). A plain connect's outcome is
// kept in a few dozen bytes (see sweep), any other attempt's record whole.
//
// When the agent's writer streams the record (probes.StreamsEvidence) the
// previous limit is put back when the record is dropped, after it was
// written and hashed; otherwise before the destination list is built,
// which the budget does not cover.
//
// A small sweep (fewer than sweepLimitFrom attempts) sets no limit: its
// records are small, and a tight limit would make the collector run often
// under the other probes of the same agent while they time handshakes.
const (
	sweepLimitFrom     = 2000
	sweepBaseBudget    = 1536 << 10 // bytes, whatever the size of the sweep
	sweepPlainBudget   = 64         // bytes per plain connect: its outcome, index and visiting order take about 45
	sweepAttemptBudget = 768        // bytes per other attempt planned: its record takes about 600
)

// limitMemory sets the sweep's soft memory limit for the attempts planned
// (plain connects and others) and returns the function that restores the
// previous limit. A limit already set (GOMEMLIMIT, or the embedding
// program) is left alone.
func limitMemory(plain, other int) (restore func()) {
	prev := debug.SetMemoryLimit(-1)
	if prev != math.MaxInt64 || plain+other < sweepLimitFrom {
		return func() {}
	}
	debug.SetMemoryLimit(heldMemory() + sweepBaseBudget + int64(plain)*sweepPlainBudget + int64(other)*sweepAttemptBudget)
	return func() { debug.SetMemoryLimit(prev) }
}

// heldMemory is what the process holds as the runtime counts it against
// a memory limit: in runtime/metrics' terms /memory/classes/total less
// heap/released (a test checks the two agree). Free heap the process has
// not returned counts: a limit below it would make the collector run
// without end to return it. It reads runtime.MemStats, not
// runtime/metrics, whose package initialisation costs every start of the
// agent more than this one read costs a sweep.
func heldMemory() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.Sys - m.HeapReleased)
}

// plannedAttempts estimates the attempts of the sweep: plain connects
// (one per destination the connect loop tries), and the others: one per
// method of every other destination, a proxied method once per proxy
// known now.
func (e *egressProbe) plannedAttempts() (plain, other int) {
	for i := range e.specs.len() {
		d := e.specs.at(i)
		if e.plainConnect(d) {
			plain++
			continue
		}
		for _, m := range d.MethodsWith(e.p.ExtraMethods) {
			if m == results.MethodHTTPProxy || m == results.MethodHTTPSProxy {
				other += len(e.proxies)
				continue
			}
			other++
		}
	}
	return plain, other
}
