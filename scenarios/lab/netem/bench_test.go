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
// (udp1w-p50/p99-µs, kernel receive timestamp minus send time) and how far
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
			var udp []time.Duration
			for _, o := range udpOneWay(b, l.a.ns, netip.AddrPortFrom(l.a.addrs[0], 0), l.b.ns, netip.AddrPortFrom(l.b.addrs[0], 7002), b.N, d) {
				udp = append(udp, o.delay)
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
// dstNS), one per millisecond, each carrying its send time, and returns
// their one-way delays: the receiving kernel's timestamp (SO_TIMESTAMPNS,
// taken when the forwarder's write hands the packet to the stack) minus the
// send time. The receiving program's own wake-up latency is left out.
func udpOneWay(b testing.TB, srcNS string, src netip.AddrPort, dstNS string, dst netip.AddrPort, n int, d time.Duration) []oneWay {
	rx := socketIn(b, dstNS, unix.SOCK_DGRAM, dst)
	if err := unix.SetsockoptInt(rx, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		b.Fatalf("enabling SO_TIMESTAMPNS: %v", err)
	}
	unix.SetsockoptInt(rx, unix.SOL_SOCKET, unix.SO_RCVBUF, 4<<20)
	setTimeout(rx, 50*time.Millisecond)
	tx := socketIn(b, srcNS, unix.SOCK_DGRAM, src)
	var (
		delays []oneWay
		done   = make(chan struct{})
		wg     sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf, oob := make([]byte, 64), make([]byte, 128)
		for {
			m, oobn, _, _, err := unix.Recvmsg(rx, buf, oob, 0)
			if err == nil && m == 8 {
				if ts, ok := rxTimestamp(oob[:oobn]); ok {
					sent := int64(binary.LittleEndian.Uint64(buf))
					delays = append(delays, oneWay{sent, time.Duration(ts - sent)})
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
	to, msg := sockaddr(dst), make([]byte, 8)
	for range n {
		binary.LittleEndian.PutUint64(msg, uint64(time.Now().UnixNano()))
		if err := unix.Sendto(tx, msg, 0, to); err != nil {
			b.Fatalf("sending probe: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(d + 200*time.Millisecond)
	close(done)
	wg.Wait()
	return delays
}

// oneWay is a datagram's send time (Unix ns) and one-way delay.
type oneWay struct {
	sent  int64
	delay time.Duration
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
