package netem

import (
	"encoding/binary"
	"flag"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

var benchRealtime = flag.Int("netem.realtime", 0, "SCHED_FIFO priority of the forwarder threads in benchmarks (0: normal scheduling)")

// benchDelays are the one-way delays the benchmark reproduces; 0 measures
// what the forwarder adds on its own.
var benchDelays = []time.Duration{
	0, 500 * time.Microsecond, time.Millisecond, 5 * time.Millisecond,
	20 * time.Millisecond, 50 * time.Millisecond, 150 * time.Millisecond,
}

// BenchmarkDelay measures, per configured one-way delay d, how late the
// forwarder begins writing packets (fwd-p50/p99-µs, from Stats.Lateness) and
// how long writes take (write-p99-µs, Stats.WriteTime), how far the
// end-to-end one-way delay of UDP datagrams between two namespaces is from d
// (udp1w-p50/p99-µs, kernel receive timestamp minus send time; link1w from
// the sender's TUN device's transmit timestamp instead) and how far
// TCP connect round trips are from 2×d (tcprtt-p50/p99-µs, timed by the
// connecting program, so its own wake-up latency is included; tcpkrtt as
// measured by the kernel, TCP_INFO tcpi_rtt, which leaves that out). One op is one
// UDP datagram; they are sent every millisecond, and 200 TCP connects follow.
// wake-p99-µs is the scheduler's oversleep (Stats.Oversleep) and cpu-% the
// forwarder threads' CPU time over wall time.
func BenchmarkDelay(b *testing.B) {
	for _, d := range benchDelays {
		b.Run(fmt.Sprintf("delay=%v", d), func(b *testing.B) {
			l := startLab(b, Config{Delay: func(src, dst netip.Addr) time.Duration { return d }, Realtime: *benchRealtime})
			listen := netip.AddrPortFrom(l.b.addrs[0], 7001)
			tcpListen(b, l.b.ns, listen)
			time.Sleep(50 * time.Millisecond) // let the kernel's own chatter pass
			before, start := l.r.Stats(), time.Now()
			b.ResetTimer()
			var udp, link []time.Duration
			for _, o := range udpOneWay(b, l.a.ns, netip.AddrPortFrom(l.a.addrs[0], 0), l.b.ns, netip.AddrPortFrom(l.b.addrs[0], 7002), b.N, d) {
				udp = append(udp, o.delay)
				if o.link > 0 {
					link = append(link, o.link)
				}
			}
			b.StopTimer()
			tcp, ktcp := connectProbes(b, l.a.ns, listen, 200, d)
			after, wall := l.r.Stats(), time.Since(start)
			late := after.Lateness.Sub(before.Lateness)
			b.ReportMetric(us(late.Quantile(0.5)), "fwd-p50-µs")
			b.ReportMetric(us(late.Quantile(0.99)), "fwd-p99-µs")
			wt := after.WriteTime.Sub(before.WriteTime)
			b.ReportMetric(us(wt.Quantile(0.99)), "write-p99-µs")
			wake := after.Oversleep.Sub(before.Oversleep)
			b.ReportMetric(us(wake.Quantile(0.99)), "wake-p99-µs")
			reportErr(b, "udp1w", udp, d)
			reportErr(b, "link1w", link, d)
			reportErr(b, "tcprtt", tcp, 2*d)
			reportErr(b, "tcpkrtt", ktcp, 2*d)
			b.ReportMetric(100*float64(after.CPU-before.CPU)/float64(wall), "cpu-%")
			if after.Drops != before.Drops {
				b.Logf("drops: %+v", after.Drops)
			}
		})
	}
}

// BenchmarkThroughput floods the forwarder with 200-byte UDP datagrams from
// one namespace to another through a 1 ms delay and reports the packets it
// forwarded per second (fwd-pps), its CPU use and its CPU time per packet.
// One op is one datagram sent.
func BenchmarkThroughput(b *testing.B) {
	l := startLab(b, Config{Delay: func(src, dst netip.Addr) time.Duration { return time.Millisecond }, Realtime: *benchRealtime})
	sink := netip.AddrPortFrom(l.b.addrs[0], 7003)
	socketIn(b, l.b.ns, unix.SOCK_DGRAM, sink) // never read: the kernel drops what overflows
	c := socketIn(b, l.a.ns, unix.SOCK_DGRAM, netip.AddrPortFrom(l.a.addrs[0], 0))
	msg, to := make([]byte, 200-28), sockaddr(sink)
	before, start := l.r.Stats(), time.Now()
	b.ResetTimer()
	for range b.N {
		unix.Sendto(c, msg, 0, to)
	}
	b.StopTimer()
	waitFor(func() bool { return l.r.Stats().Queued == 0 })
	after, wall := l.r.Stats(), time.Since(start)
	fwd := after.Ports[1].TxPackets - before.Ports[1].TxPackets
	cpu := after.CPU - before.CPU
	b.ReportMetric(float64(fwd)/wall.Seconds(), "fwd-pps")
	b.ReportMetric(100*float64(fwd)/float64(b.N), "fwd-%")
	b.ReportMetric(100*float64(cpu)/float64(wall), "cpu-%")
	if fwd > 0 {
		b.ReportMetric(float64(cpu)/float64(fwd)/1e3, "cpu-µs/pkt")
	}
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// reportErr reports the median and 99th percentile of rtt - want.
func reportErr(b *testing.B, name string, rtts []time.Duration, want time.Duration) {
	if len(rtts) == 0 {
		b.Errorf("%s: no round trip completed", name)
		return
	}
	slices.Sort(rtts)
	q := func(p float64) time.Duration { return rtts[min(len(rtts)-1, int(p*float64(len(rtts))))] }
	b.ReportMetric(us(q(0.5)-want), name+"-p50-µs")
	b.ReportMetric(us(q(0.99)-want), name+"-p99-µs")
}

// udpOneWay sends n datagrams from namespace src to dst (bound in namespace
// dstNS), one per millisecond, each carrying its send time and number, and
// returns their one-way delays: the receiving kernel's timestamp
// (SO_TIMESTAMPNS, taken when the forwarder's write hands the packet to the
// stack) minus the send time, so the receiving program's wake-up latency is
// left out; and, where the sending kernel reports it, the link delay: the
// same receive timestamp minus the time the datagram was queued on the
// sender's TUN device (a software transmit timestamp, SO_TIMESTAMPING),
// which leaves out the sending program's scheduling too.
func udpOneWay(b testing.TB, srcNS string, src netip.AddrPort, dstNS string, dst netip.AddrPort, n int, d time.Duration) []oneWay {
	rx := socketIn(b, dstNS, unix.SOCK_DGRAM, dst)
	if err := unix.SetsockoptInt(rx, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		b.Fatalf("enabling SO_TIMESTAMPNS: %v", err)
	}
	unix.SetsockoptInt(rx, unix.SOL_SOCKET, unix.SO_RCVBUF, 4<<20)
	setTimeout(rx, 50*time.Millisecond)
	tx := socketIn(b, srcNS, unix.SOCK_DGRAM, src)
	txStamps := unix.SetsockoptInt(tx, unix.SOL_SOCKET, unix.SO_TIMESTAMPING,
		unix.SOF_TIMESTAMPING_TX_SOFTWARE|unix.SOF_TIMESTAMPING_SOFTWARE|unix.SOF_TIMESTAMPING_OPT_ID|unix.SOF_TIMESTAMPING_OPT_TSONLY) == nil
	var (
		received = map[uint64]oneWay{}
		done     = make(chan struct{})
		wg       sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf, oob := make([]byte, 64), make([]byte, 128)
		for {
			m, oobn, _, _, err := unix.Recvmsg(rx, buf, oob, 0)
			if err == nil && m == 16 {
				if ts, ok := rxTimestamp(oob[:oobn]); ok {
					sent := int64(binary.LittleEndian.Uint64(buf))
					received[binary.LittleEndian.Uint64(buf[8:])] = oneWay{sent: sent, delay: time.Duration(ts - sent), rx: ts}
				}
				continue
			}
			select {
			case <-done:
				return
			default:
			}
		}
	}()
	to, msg := sockaddr(dst), make([]byte, 16)
	queued := make([]int64, n)
	for i := range n {
		binary.LittleEndian.PutUint64(msg, uint64(time.Now().UnixNano()))
		binary.LittleEndian.PutUint64(msg[8:], uint64(i))
		if err := unix.Sendto(tx, msg, 0, to); err != nil {
			b.Fatalf("sending probe: %v", err)
		}
		if txStamps {
			// The TUN device stamps the datagram inside sendto.
			if id, ts, ok := txTimestamp(tx); ok && int(id) < n {
				queued[id] = ts
			}
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(d + 200*time.Millisecond)
	close(done)
	wg.Wait()
	delays := make([]oneWay, 0, len(received))
	for i := range uint64(n) {
		if o, ok := received[i]; ok {
			if queued[i] > 0 {
				o.link = time.Duration(o.rx - queued[i])
			}
			delays = append(delays, o)
		}
	}
	return delays
}

// txTimestamp reads one software transmit timestamp (Unix ns) and its
// datagram number from fd's error queue, without waiting.
func txTimestamp(fd int) (id uint32, ts int64, ok bool) {
	oob := make([]byte, 256)
	_, oobn, _, _, err := unix.Recvmsg(fd, nil, oob, unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
	if err != nil {
		return 0, 0, false
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return 0, 0, false
	}
	var haveID, haveTS bool
	for _, m := range msgs {
		switch {
		case m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SO_TIMESTAMPING && len(m.Data) >= 16:
			ts = int64(binary.NativeEndian.Uint64(m.Data))*1e9 + int64(binary.NativeEndian.Uint64(m.Data[8:]))
			haveTS = ts > 0
		case (m.Header.Level == unix.SOL_IP && m.Header.Type == unix.IP_RECVERR) ||
			(m.Header.Level == unix.SOL_IPV6 && m.Header.Type == unix.IPV6_RECVERR):
			if len(m.Data) >= int(unsafe.Sizeof(unix.SockExtendedErr{})) {
				e := (*unix.SockExtendedErr)(unsafe.Pointer(&m.Data[0]))
				id, haveID = e.Data, e.Errno == uint32(unix.ENOMSG) && e.Origin == unix.SO_EE_ORIGIN_TIMESTAMPING
			}
		}
	}
	return id, ts, haveID && haveTS
}

// oneWay is a datagram's send time (Unix ns), its one-way delay from the
// send time, its arrival (Unix ns) and, if known, its link delay from the
// sender's device.
type oneWay struct {
	sent  int64
	delay time.Duration
	rx    int64
	link  time.Duration
}

// rxTimestamp returns the SCM_TIMESTAMPNS time (Unix ns) in a control
// message buffer.
func rxTimestamp(oob []byte) (int64, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return 0, false
	}
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SO_TIMESTAMPNS && len(m.Data) >= 16 {
			sec := int64(binary.NativeEndian.Uint64(m.Data))
			nsec := int64(binary.NativeEndian.Uint64(m.Data[8:]))
			return sec*1e9 + nsec, true
		}
	}
	return 0, false
}

// connectProbes times n TCP handshakes from namespace ns to listen, up to 8
// at a time.
func connectProbes(b *testing.B, ns string, listen netip.AddrPort, n int, d time.Duration) (user, kernel []time.Duration) {
	// Few workers: each waits in its own poll(2) and needs a Go P when it
	// wakes, and more of them measure this process's P contention rather
	// than the forwarder.
	workers := min(8, 1+int(2*d/(10*time.Millisecond)))
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	jobs := make(chan struct{}, n)
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				var krtt time.Duration
				rtt, err := connectRTT(b, ns, listen, 2*time.Second+2*d, &krtt)
				if err != nil {
					b.Errorf("tcp connect: %v", err)
					return
				}
				mu.Lock()
				user, kernel = append(user, rtt), append(kernel, krtt)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return user, kernel
}
