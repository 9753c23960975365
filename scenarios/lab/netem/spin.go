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
// or pop). Unlike sync.Mutex it never parks the goroutine: a parked goroutine
// on a locked thread is woken through the Go scheduler, whose normal-priority
// threads can take milliseconds to get a CPU on a busy machine.
//
// A holder can still be stopped inside: Go preempts every goroutine that has
// run 10 ms without passing through its scheduler, which the forwarder's
// never do, at its next function call, and a preempted goroutine on a locked
// thread only runs again once a normal-priority thread of the Go scheduler
// hands it back. Waiters at SCHED_FIFO that only spun and sched_yield(2)ed
// would keep that thread off both CPUs until the kernel's real-time
// throttling stepped in (50 ms of every second): with 50 busy lab hosts a
// run took minutes. So after lockSpins tries a waiter sleeps lockNap at a
// time, which lets any thread run.
type spinLock struct{ held atomic.Bool }

const (
	lockSpins = 1 << 12 // ≈ 10-20 µs of tries, far above a heap push
	lockNap   = 20 * time.Microsecond
)

func (l *spinLock) Lock() {
	for i := 0; !l.held.CompareAndSwap(false, true); i++ {
		switch {
		case i < lockSpins:
			if i%64 == 63 {
				unix.RawSyscall(unix.SYS_SCHED_YIELD, 0, 0, 0) // let a same-priority holder run
			}
		default:
			nap := unix.NsecToTimespec(int64(lockNap))
			unix.RawSyscall(unix.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&nap)), 0, 0)
		}
	}
}

func (l *spinLock) Unlock() { l.held.Store(false) }
