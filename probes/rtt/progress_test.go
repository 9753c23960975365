package rtt

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/sovbench/sovbench/probes"
)

// TestRTTCountsEverySample: the probe reports one attempt per sample, lost
// ones included (a closed port refuses every one), so the bar's total is
// landmarks × methods × count and it reaches it.
func TestRTTCountsEverySample(t *testing.T) {
	tcpPort, udpPort := echoServers(t)
	_, closed, _ := net.SplitHostPort(closedPort(t, "tcp"))
	p, err := newRTT(yamlDecoder(fmt.Sprintf(`methods: [tcp, udp]
count: 4
interval: 1ms
sample_timeout: 1s
landmarks:
  - {name: open, address: 127.0.0.1, lat: 1, lon: 1, tcp_port: %d, udp_port: %d}
  - {name: shut, address: 127.0.0.1, lat: 2, lon: 2, tcp_port: %s, udp_port: %[2]d}
`, tcpPort, udpPort, closed)))
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu  sync.Mutex
		got []probes.Progress
	)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ctx = probes.WithProgress(ctx, func(pr probes.Progress) { mu.Lock(); got = append(got, pr); mu.Unlock() })
	ev, err := p.Run(ctx, probes.Target{Name: "local", Kind: "local"})
	if err != nil {
		t.Fatal(err)
	}
	const want = 2 * 2 * 4 // landmarks × methods × count
	if n := len(ev.RTT.Landmarks); n != 4 {
		t.Fatalf("%d series, want 4", n)
	}
	if len(got) != want {
		t.Fatalf("%d progress reports, want one per sample (%d): %+v", len(got), want, got)
	}
	top := 0
	for _, pr := range got {
		if pr.Unit != "samples" || pr.Total != want {
			t.Fatalf("report %+v, want samples of %d", pr, want)
		}
		top = max(top, pr.Done)
	}
	if top != want {
		t.Fatalf("the count stopped at %d of %d", top, want)
	}
}
