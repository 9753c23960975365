package netem

import (
	"container/heap"
	"errors"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxDue stands for "no packet queued".
const maxDue = math.MaxInt64

// packetBuf is the buffer size packets are copied into; larger packets (only
// possible if someone raises a device's MTU) get a buffer of their own.
const packetBuf = 2048

// packet is one queued IP packet. Times are nanoseconds since Start.
type packet struct {
	buf  []byte
	read int64 // when it was read
	want int64 // configured delay including jitter
	due  int64 // when to write it: read+want, or later to keep a pair's order
	// Lateness is measured against due, so it shows the forwarder's own
	// timing error and not the order-keeping raise.
	seq uint64
	out *portState
}

var packetPool = sync.Pool{New: func() any { return &packet{buf: make([]byte, 0, packetBuf)} }}

// pair identifies the packets that must not overtake each other.
type pair struct{ src, dst netip.Addr }

// worker is what a forwarding thread owns: a random source for loss and
// jitter and a buffer for draining the ports it writes to.
type worker struct {
	rng      *rand.Rand
	buf      []byte
	draining bool
	ports    []*portState
}

func newWorker(seed, stream uint64) *worker {
	return &worker{rng: rand.New(rand.NewPCG(seed, stream)), buf: make([]byte, 1<<16)}
}

// read forwards the packets of one port until Close. It runs on a thread of
// its own and blocks in poll(2) between bursts, so each packet is stamped as
// soon as the kernel hands it over. The port's lock is held from read to
// queue, so that a writer draining the port (see drain) cannot reorder it.
func (r *Router) read(p *portState, w *worker) {
	defer r.wg.Done()
	tid := r.lockThread(1)
	defer r.threads.exit(tid)
	buf := make([]byte, 1<<16)
	fds := []unix.PollFd{{Fd: int32(p.fd), Events: unix.POLLIN}, {Fd: int32(r.stop), Events: unix.POLLIN}}
	for {
		p.mu.Lock()
		n, err := rawRead(p.fd, buf)
		if err == nil {
			r.handle(p, buf[:n], r.now(), w)
			p.mu.Unlock()
			continue
		}
		p.mu.Unlock()
		if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
			return // the device is gone; Close reports nothing more useful
		}
		fds[0].Revents, fds[1].Revents = 0, 0
		if err := r.wait(fds, nil); err != nil && !errors.Is(err, unix.EINTR) {
			return
		}
		if fds[1].Revents != 0 {
			return
		}
	}
}

// handle routes one packet read at time t from port in and queues it.
func (r *Router) handle(in *portState, b []byte, t int64, w *worker) {
	rng := w.rng
	in.c.rxPackets.Add(1)
	in.c.rxBytes.Add(uint64(len(b)))
	src, dst, ok := addrs(b)
	if !ok {
		r.drops.malformed.Add(1)
		return
	}
	out := r.table.lookup(dst)
	switch {
	case out < 0 && linkScoped(dst):
		r.drops.linkLocal.Add(1)
		return
	case out < 0:
		r.drops.noRoute.Add(1)
		return
	case out == in.idx:
		r.drops.loop.Add(1)
		return
	}
	if r.cfg.Loss > 0 && rng.Float64() < r.cfg.Loss {
		r.drops.loss.Add(1)
		return
	}
	var want time.Duration
	if r.cfg.Delay != nil {
		want = r.cfg.Delay(src, dst)
	}
	want += JitterDelay(rng, r.cfg.Jitter)
	pk := packetPool.Get().(*packet)
	if len(b) > packetBuf {
		pk.buf = make([]byte, 0, len(b))
	}
	pk.buf = append(pk.buf[:0], b...)
	pk.read, pk.want, pk.out = t, int64(max(want, 0)), r.ports[out]
	r.enqueue(pk, pair{src, dst}, w)
}

// enqueue adds pk to the heap, or drops it if the queue is full, and wakes
// the scheduler if pk is now the first packet due and the scheduler sleeps
// past its due time.
func (r *Router) enqueue(pk *packet, key pair, w *worker) {
	pk.due = pk.read + pk.want
	r.mu.Lock()
	if len(r.heap) >= r.cfg.QueuePackets || r.qbytes+len(pk.buf) > r.cfg.QueueBytes {
		r.mu.Unlock()
		r.drops.queueFull.Add(1)
		free(pk)
		return
	}
	if last, ok := r.lastDue[key]; ok && last > pk.due {
		pk.due = last
	}
	r.lastDue[key] = pk.due
	if len(r.lastDue) > 4096 {
		for k, d := range r.lastDue {
			if d < pk.read {
				delete(r.lastDue, k)
			}
		}
	}
	if pk.due <= r.now() && !r.writing && (len(r.heap) == 0 || r.heap[0].due > pk.due) {
		// Due already and nothing queued or being written could be
		// overtaken: write it from here and save the scheduler's wake-up.
		r.mu.Unlock()
		r.write([]*packet{pk}, w)
		return
	}
	r.seq++
	pk.seq = r.seq
	r.qbytes += len(pk.buf)
	heap.Push(&r.heap, pk)
	r.queued.Store(int64(len(r.heap)))
	head := r.heap[0] == pk
	if head {
		r.headDue.Store(pk.due)
	}
	notify := head && pk.due < r.sleepUntil.Load()
	r.mu.Unlock()
	if notify {
		rawWrite(r.wake, eventOne) // cannot fail short of EBADF after Close
	}
}

// schedule writes every queued packet at its due time until Close. It sleeps
// in ppoll(2) (nanosecond timeout, 1 ns timer slack) until Spin before the
// next due time and busy-waits the rest.
func (r *Router) schedule() {
	defer r.wg.Done()
	tid := r.lockThread(0)
	defer r.threads.exit(tid)
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0) // best effort: default slack is 50 µs
	spinner := newSpinner(r.cfg.Spin)
	w := newWorker(uint64(r.cfg.Seed), uint64(len(r.ports)))
	batch := make([]*packet, 0, 64)
	fds := []unix.PollFd{{Fd: int32(r.wake), Events: unix.POLLIN}, {Fd: int32(r.stop), Events: unix.POLLIN}}
	var drain [8]byte
	for {
		r.mu.Lock()
		now := r.now()
		batch = r.popDue(now, batch[:0])
		if len(batch) > 0 {
			r.writing = true
			r.mu.Unlock()
			r.write(batch, w)
			r.mu.Lock()
			r.writing = false
			r.mu.Unlock()
			continue
		}
		due, spin := r.headDue.Load(), int64(spinner.window())
		if due-now <= spin {
			r.mu.Unlock()
			for r.now() < r.headDue.Load() {
			}
			continue
		}
		var timeout *unix.Timespec
		if due != maxDue {
			ts := unix.NsecToTimespec(due - now - spin)
			timeout = &ts
		}
		r.sleepUntil.Store(due)
		r.mu.Unlock()
		fds[0].Revents, fds[1].Revents = 0, 0
		err := r.wait(fds, timeout)
		r.sleepUntil.Store(0)
		if timeout != nil && fds[0].Revents == 0 {
			over := time.Duration(r.now() - (due - spin))
			r.oversleep.add(over)
			spinner.observe(over)
		}
		if err != nil && !errors.Is(err, unix.EINTR) || fds[1].Revents != 0 {
			return
		}
		if fds[0].Revents != 0 {
			rawRead(r.wake, drain[:])
		}
	}
}

// popDue moves the packets due by now from the heap to batch. r.mu is held.
func (r *Router) popDue(now int64, batch []*packet) []*packet {
	for len(r.heap) > 0 && r.heap[0].due <= now {
		pk := heap.Pop(&r.heap).(*packet)
		r.qbytes -= len(pk.buf)
		batch = append(batch, pk)
	}
	r.queued.Store(int64(len(r.heap)))
	if len(r.heap) > 0 {
		r.headDue.Store(r.heap[0].due)
	} else {
		r.headDue.Store(maxDue)
	}
	return batch
}

// write writes due packets to their ports and records how late each write
// began and how long it took; then it drains the ports it wrote to.
// Readers and the scheduler call it concurrently.
func (r *Router) write(batch []*packet, w *worker) {
	drain := !w.draining
	if drain {
		w.ports = w.ports[:0]
	}
	for _, pk := range batch {
		if drain && !slices.Contains(w.ports, pk.out) {
			w.ports = append(w.ports, pk.out)
		}
		start := r.now()
		err := rawWrite(pk.out.fd, pk.buf)
		if errors.Is(err, unix.EINTR) {
			err = rawWrite(pk.out.fd, pk.buf)
		}
		done := r.now()
		if err != nil {
			r.drops.writeErr.Add(1)
		} else {
			pk.out.c.txPackets.Add(1)
			pk.out.c.txBytes.Add(uint64(len(pk.buf)))
			r.late.add(time.Duration(start - pk.due))
			r.writeTime.add(time.Duration(done - start))
		}
		free(pk)
	}
	if drain {
		w.draining = true
		for _, p := range w.ports {
			if hs := p.hooks.Load(); hs != nil {
				for _, h := range *hs {
					h.fn()
				}
			}
			r.drain(p, w)
		}
		w.draining = false
	}
}

// drain reads and queues what port p has to send right after a write to
// it. A TUN write runs the destination namespace's stack in the writer's
// own system call, so a packet the kernel answers at once (an ICMP echo,
// a TCP SYN-ACK or RST) is already waiting when the write returns: taking
// it here saves the port's reader a wake-up, which on a virtual machine
// costs tens of microseconds that would add to every emulated round trip.
// If the port's reader is busy with it already, drain leaves it alone;
// packets drained here are not drained again (no recursion).
// It returns how many packets it took.
func (r *Router) drain(p *portState, w *worker) (took int) {
	if !p.mu.TryLock() {
		return 0
	}
	defer p.mu.Unlock()
	for {
		n, err := rawRead(p.fd, w.buf)
		if err != nil {
			return took
		}
		took++
		r.drained.Add(1)
		r.handle(p, w.buf[:n], r.now(), w)
	}
}

// rawRead and rawWrite bypass the Go scheduler's system call bookkeeping:
// TUN reads and writes on a non-blocking descriptor never block, and a plain
// syscall can lose its P to sysmon and then wait for one when it returns,
// which on a busy machine made packets milliseconds late.
func rawRead(fd int, b []byte) (int, error) {
	n, _, errno := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

func rawWrite(fd int, b []byte) error {
	_, _, errno := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if errno != 0 {
		return errno
	}
	return nil
}

// wait blocks in ppoll(2) until one of fds is ready or timeout (nil: none)
// has passed. With Config.Realtime the call bypasses the Go scheduler and
// keeps this thread's P, which Start reserved for it: a plain syscall loses
// its P after 10 ms and, when it returns, may queue for one behind
// normal-priority threads for milliseconds. Go's preemption signal still
// interrupts the call (EINTR), so garbage collection is not held up.
func (r *Router) wait(fds []unix.PollFd, timeout *unix.Timespec) error {
	if r.cfg.Realtime == 0 {
		_, err := unix.Ppoll(fds, timeout, nil)
		return err
	}
	_, _, errno := unix.RawSyscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&fds[0])), uintptr(len(fds)),
		uintptr(unsafe.Pointer(timeout)), 0, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

func free(pk *packet) {
	pk.out = nil
	if cap(pk.buf) == packetBuf {
		packetPool.Put(pk)
	}
}

// packetHeap orders packets by due time, then arrival.
type packetHeap []*packet

func (h packetHeap) Len() int { return len(h) }
func (h packetHeap) Less(i, j int) bool {
	return h[i].due < h[j].due || h[i].due == h[j].due && h[i].seq < h[j].seq
}
func (h packetHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *packetHeap) Push(x any)   { *h = append(*h, x.(*packet)) }
func (h *packetHeap) Pop() any {
	old := *h
	pk := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return pk
}
