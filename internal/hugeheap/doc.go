// Package hugeheap backs the start of the Go heap with a transparent huge
// page, so that a short-lived process (the slim agent: started on every
// host for every run) does not fault its first megabytes of heap in one
// 4 KiB page at a time.
//
// On a virtual machine a page's first touch is dear: on the machine the
// benchmarks run on, about 12 µs of CPU (a guest fault, then the
// hypervisor filling its own page table), against about 150 µs to zero
// and map a whole 2 MiB huge page. The agent touched about 200 heap
// pages before running an empty plan (scripts/bench/agent.sh). Mapping
// pages ahead of use (MADV_POPULATE_WRITE) saves only the guest half of
// each fault and costs on pages never used; it did not pay, and was left
// out.
//
// Its init, on Linux (amd64, arm64), asks the kernel (madvise
// MADV_COLLAPSE) to back the 2 MiB block holding the heap's first object,
// and the block after it, with huge pages; pages the runtime already
// used are copied in. Errors are ignored: a kernel older than 6.1, one
// without transparent huge pages, or no free huge page leaves the heap as
// it was. Nothing else changes: the memory is the runtime's, mapped as
// before, and the resident set grows by at most the two blocks' unused
// parts (about 1.3 MB for the agent).
//
// The package imports nothing but unsafe, so that its init runs before
// almost every other package's (Go initialises, at each step, the first
// package in import-path order whose imports are all initialised): the
// allocations of later package inits and of main land on the huge page.
// Importing anything more would defeat it; TestInitRunsFirst holds that.
//
// A program opts in with a blank import in its main package.
package hugeheap
