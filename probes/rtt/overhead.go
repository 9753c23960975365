package rtt

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/sovbench/sovbench/probes"
)

// overheadSamples is how many loopback samples estimate the overhead.
const overheadSamples = 20

// overhead measures what the probe itself adds to a sample: the minimum
// round trip of each method over loopback, where the network adds nothing
// but the kernel stack and this process's own scheduling. It returns the
// largest of those minimums (or the cost of a clock read when loopback is
// not available) and records each estimate as an observation.
func (r *rttProbe) overhead(ctx context.Context, rec *probes.Recorder) time.Duration {
	t0 := time.Now()
	worst := time.Since(t0)
	for _, m := range r.p.Methods {
		began := time.Now()
		best, err := loopbackMin(ctx, m, r.p.SampleTimeout)
		note := "loopback " + m
		if err == nil {
			note = fmt.Sprintf("loopback %s: min %s over %d samples", m, best, overheadSamples)
			worst = max(worst, best)
		}
		rec.Observe("overhead", "127.0.0.1", began, err, note)
	}
	return worst
}

func loopbackMin(ctx context.Context, method string, timeout time.Duration) (time.Duration, error) {
	addr := "127.0.0.1"
	switch method {
	case "tcp":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		addr = ln.Addr().String()
	case "udp":
		pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return 0, err
		}
		defer pc.Close()
		go func() {
			buf := make([]byte, 2048)
			for {
				n, peer, err := pc.ReadFromUDP(buf)
				if err != nil {
					return
				}
				pc.WriteToUDP(buf[:n], peer)
			}
		}()
		addr = pc.LocalAddr().String()
	}
	s, err := newSampler(method, addr, timeout)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	best := time.Duration(-1)
	var last error
	for i := range overheadSamples {
		d, err := s.Sample(ctx, i)
		if err != nil {
			last = err
			continue
		}
		if best < 0 || d < best {
			best = d
		}
	}
	if best < 0 {
		return 0, last
	}
	return best, nil
}
