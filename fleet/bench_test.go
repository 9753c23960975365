package fleet

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios"
)

// realEvidence runs the test suite's plan on this host once: the body every
// benchmark submission carries is what a real agent sends.
func realEvidence(b *testing.B, c *Client) []results.Evidence {
	ctx := context.Background()
	plan, err := c.Plan(ctx, "fleet-host")
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var ev []results.Evidence
	scenarios.RunPlan(ctx, plan, func(e results.Evidence) { mu.Lock(); ev = append(ev, e); mu.Unlock() })
	return ev
}

// BenchmarkSubmit measures the verifier end to end over loopback TLS: one
// nonce and one submission per operation (evaluate, sign, write the report
// with fsync, index it), from 8 agents at once.
func BenchmarkSubmit(b *testing.B) {
	ts := newTestServer(b)
	agents := make([]*Client, 8)
	for i := range agents {
		agents[i] = ts.enrolled(b, "host")
	}
	ev := realEvidence(b, agents[0])
	ctx := context.Background()
	var next sync.Mutex
	i := 0
	b.SetParallelism(4) // 4 × GOMAXPROCS concurrent agents
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		next.Lock()
		c := agents[i%len(agents)]
		i++
		next.Unlock()
		for pb.Next() {
			n, err := c.Nonce(ctx, "fleet-host")
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := c.Submit(ctx, Submission{Suite: "fleet-host", Nonce: n.Nonce, Started: time.Now(), Evidence: ev}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "submissions/s")
}
