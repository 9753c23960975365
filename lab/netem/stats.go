package netem

import (
	"sync/atomic"
	"time"
)

// Stats is a snapshot of a Router's counters.
type Stats struct {
	Ports []PortStats // in Config.Ports order
	Drops Drops
	// Queued is the number of packets waiting for their due time.
	Queued int
	// Lateness is how much later than intended the forwarder began writing
	// each packet: write start - read - intended delay, where the intended
	// delay is Delay plus jitter, raised where needed so that packets
	// between the same two addresses stay in order.
	Lateness Histogram
	// WriteTime is how long each write(2) to a TUN device took. The kernel
	// delivers the packet to the destination's stack inside that call
	// (receive timestamps are taken near its start) and also runs any
	// softirq work pending on that CPU, other programs' traffic included.
	WriteTime Histogram
	// Oversleep is how much later than asked the scheduler woke from its
	// timed sleeps, before busy-waiting Spin to the due time. If its 99th
	// percentile exceeds Config.Spin, packets will be late: raise Spin or
	// Realtime.
	Oversleep Histogram
	// RealtimeThreads is how many forwarder threads got Config.Realtime's
	// SCHED_FIFO priority (one reader per port and the scheduler).
	RealtimeThreads int
	// Drained counts packets read by a writer right after its write to the
	// same device (answers the kernel gave inside that write), which saved
	// the device's reader a wake-up.
	Drained uint64
	// CPU is the CPU time used by the forwarder's reader and scheduler
	// threads since Start (from /proc/self/task/TID/schedstat).
	CPU time.Duration
}

// PortStats counts the packets read from (Rx) and written to (Tx) one port's
// TUN device.
type PortStats struct {
	Name      string
	RxPackets uint64
	RxBytes   uint64
	TxPackets uint64
	TxBytes   uint64
}

// Drops counts dropped packets by reason.
type Drops struct {
	NoRoute   uint64 // destination matches no port's routes
	LinkLocal uint64 // multicast, link-local or broadcast destination
	Loop      uint64 // destination routed back to the port it came from
	Malformed uint64 // not an IPv4 or IPv6 packet
	Loss      uint64 // dropped by Config.Loss
	QueueFull uint64 // Config.QueuePackets or Config.QueueBytes reached
	WriteErr  uint64 // writing to the destination TUN failed
}

// portCounters are a port's live counters. Rx is written by the port's
// reader, Tx by the scheduler; Stats reads both.
type portCounters struct {
	rxPackets, rxBytes, txPackets, txBytes atomic.Uint64
}

// dropCounters are the live counterparts of Drops.
type dropCounters struct {
	noRoute, linkLocal, loop, malformed, loss, queueFull, writeErr atomic.Uint64
}

func (d *dropCounters) snapshot() Drops {
	return Drops{
		NoRoute: d.noRoute.Load(), LinkLocal: d.linkLocal.Load(), Loop: d.loop.Load(),
		Malformed: d.malformed.Load(), Loss: d.loss.Load(), QueueFull: d.queueFull.Load(),
		WriteErr: d.writeErr.Load(),
	}
}

// histBuckets is the number of 1 µs buckets of a Histogram; later values
// land in the last bucket.
const histBuckets = 20000

// Histogram counts durations in 1 µs buckets from 0 to 20 ms; negative
// durations count as 0 and longer ones as 20 ms. Max holds the largest value.
type Histogram struct {
	Counts []uint64 // Counts[i] is the number of values in [i µs, i+1 µs)
	Total  uint64
	Sum    time.Duration
	Max    time.Duration
}

// Quantile returns the q-quantile (0 ≤ q ≤ 1) with 1 µs resolution, or 0
// for an empty histogram.
func (h Histogram) Quantile(q float64) time.Duration {
	if h.Total == 0 {
		return 0
	}
	rank := uint64(q * float64(h.Total))
	if rank >= h.Total {
		rank = h.Total - 1
	}
	var seen uint64
	for i, c := range h.Counts {
		seen += c
		if seen > rank {
			return time.Duration(i) * time.Microsecond
		}
	}
	return h.Max
}

// Mean returns the average value, or 0 for an empty histogram.
func (h Histogram) Mean() time.Duration {
	if h.Total == 0 {
		return 0
	}
	return h.Sum / time.Duration(h.Total)
}

// Sub returns the values added to h since the snapshot old was taken (Max
// stays h's).
func (h Histogram) Sub(old Histogram) Histogram {
	d := Histogram{Counts: make([]uint64, len(h.Counts)), Total: h.Total - old.Total, Sum: h.Sum - old.Sum, Max: h.Max}
	for i := range h.Counts {
		d.Counts[i] = h.Counts[i]
		if i < len(old.Counts) {
			d.Counts[i] -= old.Counts[i]
		}
	}
	return d
}

// liveHist is a histogram that several goroutines add to.
type liveHist struct {
	counts [histBuckets]atomic.Uint64
	sum    atomic.Int64
	max    atomic.Int64
}

func (h *liveHist) add(d time.Duration) {
	i := int(d / time.Microsecond)
	i = max(0, min(i, histBuckets-1))
	h.counts[i].Add(1)
	h.sum.Add(int64(d))
	for m := h.max.Load(); int64(d) > m && !h.max.CompareAndSwap(m, int64(d)); m = h.max.Load() {
	}
}

func (h *liveHist) snapshot() Histogram {
	s := Histogram{Counts: make([]uint64, histBuckets)}
	for i := range h.counts {
		s.Counts[i] = h.counts[i].Load()
		s.Total += s.Counts[i]
	}
	s.Sum, s.Max = time.Duration(h.sum.Load()), time.Duration(h.max.Load())
	return s
}
