package netem

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Defaults for the optional Config fields.
const (
	DefaultQueuePackets = 1 << 16
	DefaultQueueBytes   = 64 << 20
)

// Port is one TUN device of the forwarder, inside one network namespace.
type Port struct {
	Name      string         // for counters
	Namespace string         // network namespace that holds the TUN device: a name under /run/netns or an absolute path
	Device    string         // TUN device name inside it (netem creates it, non-persistent, and sets it up)
	Routes    []netip.Prefix // destination prefixes delivered to this port (addresses living in that ns)
}

// Config describes the ports and the emulated path between them.
type Config struct {
	Ports []Port
	// Delay returns the one-way delay of a packet from src to dst; nil means
	// no delay. It is called for every packet, from several goroutines at
	// once, so it must be cheap and safe for concurrent use.
	Delay func(src, dst netip.Addr) time.Duration
	// Jitter is the mean of a queueing delay added to every packet's
	// Delay: exponentially distributed, so it is never negative and no
	// packet arrives sooner than Delay (the shape real paths show above
	// their minimum delay; see JitterDelay). Packets between the same two
	// addresses are not reordered by it.
	Jitter time.Duration
	Loss   float64 // probability in [0, 1] that a packet is dropped
	Seed   int64   // seeds jitter and loss

	// Spin is how long before a due time the scheduler stops sleeping and
	// busy-waits. Larger is more accurate on a loaded machine and costs more
	// CPU. 0 adapts it to how late the scheduler's sleeps end (the 99th
	// percentile of the last 256, within 50 µs-1 ms; see Stats.Oversleep).
	Spin time.Duration
	// QueuePackets and QueueBytes bound the packets waiting for their due
	// time; 0 means DefaultQueuePackets and DefaultQueueBytes.
	QueuePackets int
	QueueBytes   int
	// Realtime, if above 0, runs the scheduler thread with this SCHED_FIFO
	// priority (1-98) and the readers one above it, so that a reader woken
	// on the CPU where the scheduler busy-waits runs at once instead of
	// after the spin; while the Router runs, it also raises
	// GOMAXPROCS by the number of those threads so that they never wait for
	// a Go P when they wake. Both keep wake-ups punctual on a busy machine;
	// use it whenever accuracy matters. The kernel's real-time throttling
	// still bounds the threads' CPU use.
	Realtime int
}

// Router forwards packets between the ports of a Config. It is safe for
// concurrent use.
type Router struct {
	cfg   Config
	table *table
	ports []*portState
	epoch time.Time
	stop  int // eventfd, readable once Close has begun
	wake  int // eventfd the readers use to wake the scheduler

	mu         spinLock // guards the fields below; never parks a goroutine
	queued     atomic.Int64
	heap       packetHeap
	qbytes     int
	writing    bool // the scheduler is writing a batch it popped
	seq        uint64
	lastDue    map[pair]int64
	headDue    atomic.Int64 // due time of the heap's head, or maxDue
	sleepUntil atomic.Int64 // due time the sleeping scheduler will wake for, or 0

	hookMu    sync.Mutex // serializes changes to the ports' hooks
	drops     dropCounters
	late      liveHist
	oversleep liveHist
	writeTime liveHist
	drained   atomic.Uint64 // packets read by a writer right after its write
	threads   threadCPU
	realtime  atomic.Int32 // threads running SCHED_FIFO

	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
	done      chan struct{}
}

// portState is a port with its descriptor and counters.
type portState struct {
	Port
	idx int
	fd  int
	c   portCounters
	mu  sync.Mutex // held from read to queue (see Router.drain)
	// hooks run after each write into the port (Flusher.OnWrite);
	// copy-on-write under Router.hookMu.
	hooks atomic.Pointer[[]*writeHook]
}

// Start creates the ports' TUN devices and forwards packets between them until
// Close is called or ctx is done. It needs CAP_NET_ADMIN and CAP_SYS_ADMIN.
func Start(ctx context.Context, cfg Config) (*Router, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	t, err := newTable(cfg.Ports)
	if err != nil {
		return nil, fmt.Errorf("netem config: %w", err)
	}
	r := &Router{cfg: cfg.withDefaults(), table: t, epoch: time.Now(), lastDue: map[pair]int64{}, done: make(chan struct{})}
	r.headDue.Store(maxDue)
	if r.stop, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK); err != nil {
		return nil, fmt.Errorf("creating eventfd: %w", err)
	}
	if r.wake, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK); err != nil {
		unix.Close(r.stop)
		return nil, fmt.Errorf("creating eventfd: %w", err)
	}
	for i, p := range cfg.Ports {
		fd, err := openTUN(p.Namespace, p.Device)
		if err != nil {
			r.closeFDs()
			return nil, fmt.Errorf("starting port %s: %w", p.Name, err)
		}
		r.ports = append(r.ports, &portState{Port: p, idx: i, fd: fd})
	}
	if r.cfg.Realtime > 0 {
		reserveProcs(len(r.ports) + 1)
	}
	r.wg.Add(len(r.ports) + 1)
	for i, p := range r.ports {
		go r.read(p, newWorker(uint64(cfg.Seed), uint64(i)))
	}
	go r.schedule()
	go func() {
		select {
		case <-ctx.Done():
			r.Close()
		case <-r.done:
		}
	}()
	return r, nil
}

// validate checks the fields a Port and Config need, naming the bad field.
func (c Config) validate() error {
	if len(c.Ports) == 0 {
		return errors.New("netem config: ports: none given")
	}
	names, devs := map[string]int{}, map[[2]string]int{}
	for i, p := range c.Ports {
		switch {
		case p.Name == "":
			return fmt.Errorf("netem config: ports[%d].name: empty", i)
		case p.Namespace == "":
			return fmt.Errorf("netem config: ports[%d].namespace: empty", i)
		case p.Device == "" || len(p.Device) >= unix.IFNAMSIZ:
			return fmt.Errorf("netem config: ports[%d].device: %q is not a device name (1-%d bytes)", i, p.Device, unix.IFNAMSIZ-1)
		}
		if j, dup := names[p.Name]; dup {
			return fmt.Errorf("netem config: ports[%d].name: %q already used by ports[%d]", i, p.Name, j)
		}
		if j, dup := devs[[2]string{p.Namespace, p.Device}]; dup {
			return fmt.Errorf("netem config: ports[%d].device: %s in %s already used by ports[%d]", i, p.Device, p.Namespace, j)
		}
		names[p.Name], devs[[2]string{p.Namespace, p.Device}] = i, i
	}
	switch {
	case !(c.Loss >= 0 && c.Loss <= 1):
		return fmt.Errorf("netem config: loss: %v is not in [0, 1]", c.Loss)
	case c.Jitter < 0:
		return fmt.Errorf("netem config: jitter: %v is negative", c.Jitter)
	case c.Spin < 0:
		return fmt.Errorf("netem config: spin: %v is negative", c.Spin)
	case c.QueuePackets < 0 || c.QueueBytes < 0:
		return errors.New("netem config: queue limits: negative")
	case c.Realtime < 0 || c.Realtime > 99:
		return fmt.Errorf("netem config: realtime: %d is not a SCHED_FIFO priority (1-99)", c.Realtime)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.QueuePackets == 0 {
		c.QueuePackets = DefaultQueuePackets
	}
	if c.QueueBytes == 0 {
		c.QueueBytes = DefaultQueueBytes
	}
	return c
}

// now returns the monotonic time since Start in nanoseconds.
func (r *Router) now() int64 { return int64(time.Since(r.epoch)) }

// Stats returns a snapshot of the counters.
func (r *Router) Stats() Stats {
	s := Stats{Drops: r.drops.snapshot(), Lateness: r.late.snapshot(), Oversleep: r.oversleep.snapshot(), WriteTime: r.writeTime.snapshot(), CPU: r.threads.total()}
	for _, p := range r.ports {
		s.Ports = append(s.Ports, PortStats{
			Name: p.Name, RxPackets: p.c.rxPackets.Load(), RxBytes: p.c.rxBytes.Load(),
			TxPackets: p.c.txPackets.Load(), TxBytes: p.c.txBytes.Load(),
		})
	}
	s.RealtimeThreads = int(r.realtime.Load())
	s.Drained = r.drained.Load()
	s.Queued = int(r.queued.Load())
	return s
}

// Close stops forwarding, discards queued packets and closes the TUN
// devices, which makes them disappear. It is safe to call more than once.
func (r *Router) Close() error {
	r.closeOnce.Do(func() {
		close(r.done)
		if _, err := unix.Write(r.stop, eventOne); err != nil {
			r.closeErr = fmt.Errorf("signalling stop: %w", err)
			return // goroutines would keep using the descriptors
		}
		r.wg.Wait()
		if r.cfg.Realtime > 0 {
			releaseProcs(len(r.ports) + 1)
		}
		r.closeErr = r.closeFDs()
	})
	return r.closeErr
}

var eventOne = []byte{1, 0, 0, 0, 0, 0, 0, 0}

// closeFDs closes the eventfds and every opened TUN device.
func (r *Router) closeFDs() error {
	var errs []error
	for _, p := range r.ports {
		if err := unix.Close(p.fd); err != nil {
			errs = append(errs, fmt.Errorf("closing %s: %w", p.Device, err))
		}
	}
	unix.Close(r.stop)
	unix.Close(r.wake)
	return errors.Join(errs...)
}

// lockThread pins the calling goroutine to its thread for good (the thread
// exits with the goroutine, so its priority and timer slack die with it) and
// registers the thread for CPU accounting.
func (r *Router) lockThread(boost int) (tid int) {
	runtime.LockOSThread()
	if r.cfg.Realtime > 0 {
		// Best effort: without CAP_SYS_NICE the thread keeps its policy,
		// which Stats.RealtimeThreads shows.
		prio := uint32(min(r.cfg.Realtime+boost, 99))
		if unix.SchedSetAttr(0, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_FIFO, Priority: prio}, 0) == nil {
			r.realtime.Add(1)
		}
	}
	tid = unix.Gettid()
	r.threads.add(tid)
	return tid
}
