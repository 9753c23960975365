//go:build linux && (amd64 || arm64)

package startup

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

const einval = -22

func TestMadviseCallsTheKernel(t *testing.T) {
	page := uintptr(unsafe.Pointer(anchor)) &^ 4095
	if got := madvise(page, 4096, 0); got != 0 { // MADV_NORMAL
		t.Errorf("madvise(MADV_NORMAL) on the heap = %d, want 0", got)
	}
	if got := madvise(page, 4096, 9999); got != einval {
		t.Errorf("madvise with an unknown advice = %d, want %d (EINVAL)", got, einval)
	}
	if got := madvise(page+1, 4096, 0); got != einval {
		t.Errorf("madvise at an unaligned address = %d, want %d (EINVAL)", got, einval)
	}
}

// TestHeapStartIsHuge: after init, the block holding the heap's first
// object is mapped by a huge page, unless this kernel cannot collapse it
// (then collapsing it again here fails too, and the test says why).
func TestHeapStartIsHuge(t *testing.T) {
	addr := uintptr(unsafe.Pointer(anchor))
	kb, err := anonHugeKB(addr)
	if err != nil {
		t.Fatal(err)
	}
	if kb >= hugePage>>10 {
		return
	}
	if errno := madvise(addr&^(hugePage-1), hugePage, madvCollapse); errno != 0 {
		t.Skipf("this kernel does not collapse the heap into a huge page (madvise: errno %d); init leaves it as it was", -errno)
	}
	t.Errorf("the heap's first block has %d kB of huge pages after init, but collapsing it now succeeds: init did not", kb)
}

// anonHugeKB is the AnonHugePages of the mapping holding addr
// (/proc/self/smaps).
func anonHugeKB(addr uintptr) (int, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if lo, hi, ok := vmaRange(line); ok {
			in = lo <= addr && addr < hi
			continue
		}
		if v, ok := strings.CutPrefix(line, "AnonHugePages:"); ok && in {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no mapping holds %#x in /proc/self/smaps", addr)
}

// vmaRange parses a mapping's header line ("lo-hi perms ...").
func vmaRange(line string) (lo, hi uintptr, ok bool) {
	r, _, _ := strings.Cut(line, " ")
	l, h, found := strings.Cut(r, "-")
	if !found {
		return 0, 0, false
	}
	a, err1 := strconv.ParseUint(l, 16, 64)
	b, err2 := strconv.ParseUint(h, 16, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return uintptr(a), uintptr(b), true
}
