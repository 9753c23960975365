package netem

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Bounds of the adaptive busy-wait window (Config.Spin == 0).
const (
	minSpin   = 50 * time.Microsecond
	maxSpin   = time.Millisecond
	startSpin = 200 * time.Microsecond
)

// spinner decides how long before a due time the scheduler stops sleeping.
// Unless fixed, it follows the 99th percentile of the last 256 oversleeps
// (plus a quarter and 20 µs), within [minSpin, maxSpin]: a quiet machine
// costs little CPU, a loaded one buys punctuality with more.
type spinner struct {
	fixed time.Duration
	cur   time.Duration
	ring  [256]time.Duration
	n     int
	buf   []time.Duration
}

func newSpinner(fixed time.Duration) *spinner {
	return &spinner{fixed: fixed, cur: startSpin, buf: make([]time.Duration, 0, 256)}
}

// window returns the current busy-wait window.
func (s *spinner) window() time.Duration {
	if s.fixed > 0 {
		return s.fixed
	}
	return s.cur
}

// observe records how late a timed sleep ended.
func (s *spinner) observe(over time.Duration) {
	if s.fixed > 0 {
		return
	}
	s.ring[s.n%len(s.ring)] = over
	s.n++
	if s.n%32 != 0 {
		return
	}
	s.buf = append(s.buf[:0], s.ring[:min(s.n, len(s.ring))]...)
	slices.Sort(s.buf)
	p99 := s.buf[len(s.buf)*99/100]
	s.cur = min(max(p99+p99/4+20*time.Microsecond, minSpin), maxSpin)
}

// procs raises GOMAXPROCS by the threads of real-time routers, so that such a
// thread returning from poll(2) finds an idle P at once instead of queueing
// behind other goroutines. Without that, wake-ups on a busy two-core machine
// were measured up to several milliseconds late even at SCHED_FIFO.
var procs struct {
	sync.Mutex
	base, extra int
}

func reserveProcs(n int) {
	procs.Lock()
	defer procs.Unlock()
	if procs.extra == 0 {
		procs.base = runtime.GOMAXPROCS(0)
	}
	procs.extra += n
	runtime.GOMAXPROCS(procs.base + procs.extra)
}

func releaseProcs(n int) {
	procs.Lock()
	defer procs.Unlock()
	procs.extra -= n
	runtime.GOMAXPROCS(procs.base + procs.extra)
}

// spinLock is a lock for the forwarder's tiny critical sections (a heap push
// or pop). It spins first, never parking the goroutine in Go's scheduler: a
// parked goroutine on a locked thread is woken through that scheduler, whose
// normal-priority threads can take milliseconds to get a CPU on a busy
// machine.
//
// But a holder can be stopped inside: Go preempts every goroutine that has
// run 10 ms without passing through its scheduler, which the forwarder's
// never do, at its next function call, and garbage collection stops them
// all. A preempted goroutine on a locked thread runs again only once a
// normal-priority Go thread hands it back, and stopping the world waits for
// every running goroutine. Waiters that kept spinning at SCHED_FIFO starved
// that thread, and waiters looping in raw system calls (which Go cannot
// preempt) held up the stop forever: with 50 busy lab hosts a run took
// minutes or never ended. So after lockSpins tries a waiter sleeps in
// futex(2) through a system call Go knows about: it uses no CPU, and the
// runtime treats it as stopped.
type spinLock struct {
	state atomic.Uint32 // 0 free, 1 held, 2 held and a waiter may sleep
}

// futex(2) operations (linux/futex.h), which x/sys/unix does not name.
const (
	futexWaitPrivate = 0 | 128 // FUTEX_WAIT | FUTEX_PRIVATE_FLAG
	futexWakePrivate = 1 | 128 // FUTEX_WAKE | FUTEX_PRIVATE_FLAG
)

const lockSpins = 1 << 9 // ≈ 20 µs of tries on this project's 2-vCPU VM, far above a heap push

func (l *spinLock) Lock() {
	for i := range lockSpins {
		if l.state.Load() == 0 && l.state.CompareAndSwap(0, 1) {
			return
		}
		if i%64 == 63 {
			unix.RawSyscall(unix.SYS_SCHED_YIELD, 0, 0, 0) // let a same-priority holder run
		}
	}
	for l.state.Swap(2) != 0 {
		unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(&l.state)), futexWaitPrivate, 2, 0, 0, 0)
	}
}

func (l *spinLock) Unlock() {
	if l.state.Swap(0) == 2 {
		unix.RawSyscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(&l.state)), futexWakePrivate, 1, 0, 0, 0)
	}
}
