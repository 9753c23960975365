// Package startup makes the first milliseconds of a short-lived process
// cheaper: the slim agent is started on every host for every run, and
// most of what it costs to start an empty plan is spent before main
// (scripts/bench/agent.sh). Its init does two things.
//
// It backs the start of the Go heap with a transparent huge page. On a
// virtual machine a page's first touch is dear: on the machine the
// benchmarks run on, about 12 µs of CPU (a guest fault, then the
// hypervisor filling its own page table), against about 150 µs to zero
// and map a whole 2 MiB huge page; the agent touched about 200 heap pages
// before running an empty plan. On Linux (amd64, arm64) init asks the
// kernel to back the 2 MiB block holding the heap's first object with a
// huge page now (madvise MADV_COLLAPSE; the pages the runtime already used
// are copied in), and the block after it on first touch (MADV_HUGEPAGE).
// Errors are ignored: a kernel older than 6.1, one without transparent
// huge pages, or no free huge page leaves the heap as it was. The memory is the runtime's, mapped as
// before; the resident set grows by at most the blocks' unused parts
// (about 1.3 MB for the agent). Mapping pages ahead of use
// (MADV_POPULATE_WRITE) instead did not pay: it saves only the guest half
// of each fault and costs on pages never used.
//
// It grows the main goroutine's stack to 64 KiB while the stack is
// shallow. Package inits and main run on that goroutine, which starts
// with 8 KiB; each time a deep call chain outgrows it, the runtime copies
// the stack and looks up every frame's pointer maps in the binary's
// tables, touching their pages. Grown at init, the stack holds a few
// frames to copy, and the agent's start never grows it again.
//
// The package imports nothing but unsafe, so that its init runs before
// almost every other package's (Go initialises, at each step, the first
// package in import-path order whose imports are all initialised): the
// allocations and deep inits that follow land on the huge page and the
// grown stack. Importing anything more would defeat it; the agent's
// TestStartupInitsFirst holds that.
//
// A program opts in with a blank import in its main package.
package startup
