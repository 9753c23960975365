package netem

import "slices"

// A Flusher forwards at once what one port has to send. A program in this
// process that has just sent a packet from the port's namespace (a lab
// service answering a probe) calls Flush, so that the packet is stamped
// when it was sent and not when the port's reader wakes up for it.
type Flusher struct {
	r *Router
	p *portState
	w *worker
}

// Flusher returns a Flusher for the port in namespace ns, or nil if no port
// lives there. A Flusher belongs to one goroutine at a time.
func (r *Router) Flusher(ns string) *Flusher {
	for _, p := range r.ports {
		if p.Namespace == ns {
			return &Flusher{r: r, p: p, w: newWorker(uint64(r.cfg.Seed), uint64(len(r.ports)+1+p.idx))}
		}
	}
	return nil
}

// writeHook is a function Flusher.OnWrite registered.
type writeHook struct{ fn func() }

// OnWrite has fn called by the forwarder right after it writes packets into
// the Flusher's port, in the writing thread, and before it drains the port.
// A program in this process that answers at once (the lab's UDP echo) can
// answer there, inside the write, as the kernel answers an ICMP echo: its
// answer leaves with the drain instead of after a wake-up of its own
// thread, which on a virtual machine costs tens of µs per round trip. fn
// runs on the forwarder's real-time threads, possibly on several at once:
// it must not block (no sync.Mutex.Lock; TryLock is fine). The returned
// function unregisters fn; a call already under way may still finish.
func (f *Flusher) OnWrite(fn func()) (remove func()) {
	h := &writeHook{fn: fn}
	f.r.hookMu.Lock()
	defer f.r.hookMu.Unlock()
	var hs []*writeHook
	if old := f.p.hooks.Load(); old != nil {
		hs = append(hs, *old...)
	}
	hs = append(hs, h)
	f.p.hooks.Store(&hs)
	return func() {
		f.r.hookMu.Lock()
		defer f.r.hookMu.Unlock()
		old := f.p.hooks.Load()
		if old == nil {
			return
		}
		rest := slices.DeleteFunc(slices.Clone(*old), func(x *writeHook) bool { return x == h })
		f.p.hooks.Store(&rest)
	}
}

// Flush reads and queues the packets waiting on the port, unless its
// reader is at it already, and returns how many it took. A nil Flusher
// does nothing.
func (f *Flusher) Flush() int {
	if f == nil {
		return 0
	}
	return f.r.drain(f.p, f.w)
}
