//go:build linux && (amd64 || arm64)

package startup

import "unsafe"

const (
	hugePage     = 2 << 20 // a PMD huge page with 4 KiB pages (x86-64, most arm64; with larger pages the call fails)
	madvHugePage = 14      // MADV_HUGEPAGE
	madvCollapse = 25      // MADV_COLLAPSE, Linux 6.1
	eagain       = -11     // a collapse that may succeed when tried again
)

// madvise is the raw system call (sys_linux_*.s): it returns 0 or a
// negated errno. Importing syscall would make init run too late.
func madvise(addr, n uintptr, advice int32) int32

// anchor is a heap object allocated by init: its address tells where the
// heap starts, which the runtime randomises.
var anchor *[64]byte

// collapseHeap puts the block holding the heap's first object on a huge
// page now, and asks for one under the next block when it is first
// touched (the package doc).
func collapseHeap() {
	anchor = new([64]byte)
	block := uintptr(unsafe.Pointer(anchor)) &^ (hugePage - 1)
	// The runtime has used the first block already: only a collapse
	// replaces its small pages. It fails now and then with EAGAIN (a page
	// briefly held elsewhere, in about 1 start of 20); once more mostly
	// succeeds.
	if madvise(block, hugePage, madvCollapse) == eagain {
		madvise(block, hugePage, madvCollapse)
	}
	// The next block is untouched, which a collapse refuses (EINVAL);
	// advised, its first touch maps a huge page. Should it lie beyond what
	// the runtime has mapped yet, the advice is lost when the runtime maps
	// it, as if never given.
	madvise(block+hugePage, hugePage, madvHugePage)
}
