package startup

import (
	"testing"
	"unsafe"
)

// stackMoves reports, on a new goroutine (8 KiB of stack), whether its
// stack moved (was copied to a larger one) across first, and then
// across a call with a 40 KiB frame.
func stackMoves(first func()) (byFirst, by40KiB bool) {
	type moved struct{ first, deep bool }
	ch := make(chan moved)
	go func() {
		var local byte
		at := uintptr(unsafe.Pointer(&local))
		first()
		grown := uintptr(unsafe.Pointer(&local))
		frame40KiB()
		ch <- moved{grown != at, uintptr(unsafe.Pointer(&local)) != grown}
	}()
	m := <-ch
	return m.first, m.deep
}

//go:noinline
func frame40KiB() byte {
	var frame [40 << 10]byte
	frame[stackIndex] = 1
	return frame[stackIndex+1]
}

func TestGrowMainStackGrowsTheStackOnce(t *testing.T) {
	if byGrow, byDeep := stackMoves(growMainStack); !byGrow || byDeep {
		t.Errorf("growMainStack moved the stack: %v; a 40 KiB frame after it moved it again: %v; want true, false", byGrow, byDeep)
	}
	// The control: without it, the 40 KiB frame moves the stack.
	if _, byDeep := stackMoves(func() {}); !byDeep {
		t.Error("a 40 KiB frame on a new goroutine did not move its stack: this test cannot see a stack move")
	}
}
