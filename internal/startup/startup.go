package startup

// mainStackFrame is the frame growMainStack declares: the runtime doubles
// the 8 KiB stack until the frame fits, to 64 KiB.
const mainStackFrame = 48 << 10

// stackIndex is 0; growMainStack indexes its frame with it so that the
// compiler keeps the frame.
var stackIndex int

func init() {
	collapseHeap() // first: the grown stack is allocated from the heap
	growMainStack()
}

// growMainStack calls a function whose frame makes the runtime grow the
// calling goroutine's stack to 64 KiB now, with few frames to copy.
func growMainStack() { bigFrame() }

//go:noinline
func bigFrame() byte {
	var frame [mainStackFrame]byte
	frame[stackIndex] = 1
	return frame[stackIndex+1]
}
