//go:build linux && (amd64 || arm64)

package startup

import "unsafe"

const (
	hugePage     = 2 << 20 // a PMD huge page with 4 KiB pages (x86-64, most arm64; with larger pages the call fails)
	madvCollapse = 25      // MADV_COLLAPSE, Linux 6.1
)

// madvise is the raw system call (sys_linux_*.s): it returns 0 or a
// negated errno. Importing syscall would make init run too late.
func madvise(addr, n uintptr, advice int32) int32

// anchor is a heap object allocated by init: its address tells where the
// heap starts, which the runtime randomises.
var anchor *[64]byte

// collapseHeap asks for huge pages under the heap's first object and
// the 2 MiB after its block (the package doc).
func collapseHeap() {
	anchor = new([64]byte)
	block := uintptr(unsafe.Pointer(anchor)) &^ (hugePage - 1)
	// One call per block: the second may lie beyond what the runtime has
	// mapped yet (EINVAL), which must not cost the first.
	madvise(block, hugePage, madvCollapse)
	madvise(block+hugePage, hugePage, madvCollapse)
}
