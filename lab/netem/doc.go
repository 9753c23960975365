// Package netem emulates distance between network namespaces in user space.
//
// The kernel this project runs on has no netem qdisc, so the lab connects its
// namespaces through a forwarder instead: Start creates one TUN device per
// Port inside that port's namespace, reads every IP packet the kernel routes
// into those devices, looks up the destination address in the ports' Routes
// (longest prefix wins, IPv4 and IPv6), and writes the packet into the
// destination port's TUN device once Config.Delay(src, dst) (plus jitter) has
// passed, unless Config.Loss drops it. Because every packet in both directions
// crosses the forwarder, TCP handshakes, TLS and HTTP phases all see the
// emulated distance.
//
// Addresses and routes inside the namespaces are configured by the caller (the
// lab); netem only creates the devices and sets them up. A packet whose
// destination matches no port is dropped and counted, so nothing read from a
// lab device is ever written anywhere but another lab device.
//
// # Timing
//
// Readers block in poll(2) on their own locked OS thread and stamp each packet
// as soon as it is read. One scheduler thread keeps the queued packets in a
// heap ordered by due time, sleeps in ppoll(2) with a 1 ns timer slack until
// shortly before the earliest due time (Config.Spin, by default adapted to how
// late its recent sleeps ended), then busy-waits the rest and writes every due
// packet in one batch. A packet due at once whose pair has nothing queued is
// written by its reader directly. The Go timer
// is not used: its wake-ups are rounded to milliseconds when the process is
// idle. Packets between the same two addresses never overtake each other, even
// with jitter: a packet's due time is at least that of the previous packet of
// the pair. Stats.Lateness records, for every forwarded packet, how much later
// than configured it was written; the benchmark in this package and
// scripts/bench/netem.sh report it together with end-to-end round trips.
//
// A TUN write runs the destination namespace's network stack inside the
// write, so an answer the kernel gives at once (ICMP echo reply, SYN-ACK,
// RST) is already queued on the destination's device when the write
// returns: the writer reads it right there (Stats.Drained) instead of
// leaving it to that device's reader, whose wake-up from poll(2) costs
// tens of µs on a virtual machine, paid on every round trip. A program in
// this process that sends from a port's namespace does the same with a
// Flusher. Both take a port's packets only when its reader is not busy
// with them, so packets keep their order. A program that answers at once
// can go further and answer inside the write (Flusher.OnWrite): the lab's
// UDP echo does, so a UDP echo costs no thread wake-up, as an ICMP echo.
//
// Reads and writes use raw system calls on non-blocking descriptors, so a
// packet never waits for a Go P between being read and being written. The
// waits in poll(2)/ppoll(2) go through the Go scheduler unless
// Config.Realtime is set. The queue's lock spins instead of parking, but
// only for about 20 µs, then sleeps in futex(2): Go preempts the forwarder's
// goroutines every 10 ms (they never pass through its scheduler), possibly
// inside the lock, and stops them all for garbage collection. A preempted
// holder on a locked thread needs a normal-priority thread to run again,
// which SCHED_FIFO waiters that kept spinning would starve, and waiters
// looping in raw system calls would hold up the stop for good.
//
// # Accuracy on a busy machine
//
// On a quiet machine packets reach the destination's stack 10-25 µs after
// their due time at the median and within ~170 µs at the 99th percentile
// (UDP one-way, kernel receive timestamps). When other processes load the
// CPUs, normal threads wake up milliseconds late; set Config.Realtime (e.g.
// 10) to run the forwarder's threads at SCHED_FIFO and reserve Go Ps for them
// (GOMAXPROCS is raised while the Router runs). That keeps medians within
// tens of µs even at a load of 15 on two CPUs; the far tail then follows the
// machine's timer wake-ups (Stats.Oversleep). The programs at both ends of a
// path are not covered: their own wake-up latency adds to what they measure.
// scripts/bench/netem.sh prints the numbers for both settings.
//
// Memory is bounded by Config.QueuePackets and Config.QueueBytes; packets that
// would exceed them are dropped and counted as queue-full.
//
// Start needs CAP_NET_ADMIN and CAP_SYS_ADMIN (setns into the namespaces).
package netem
