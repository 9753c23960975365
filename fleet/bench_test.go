package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sovbench/sovbench/fleet/agent"
	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/fleet/pgtest"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/plan"
)

// realEvidence runs the test suite's plan on this host once: the body every
// benchmark submission carries is what a real agent sends.
func realEvidence(b *testing.B, c *agent.Client) []results.Evidence {
	ctx := context.Background()
	p, err := c.Plan(ctx, "fleet-host")
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var ev []results.Evidence
	plan.RunPlan(ctx, p, plan.Env{}, func(e results.Evidence) { mu.Lock(); ev = append(ev, e); mu.Unlock() })
	return ev
}

// BenchmarkSubmit measures the verifier end to end over loopback TLS: one
// nonce and one submission per operation (evaluate, sign, write the report
// with fsync, index it), from 8 agents at once, with each store: SQLite
// and a local PostgreSQL server with its durable defaults (every commit
// flushed). "host" sends the real host evidence of this machine;
// "host+400obs" adds 400 observations, the size of an egress sweep's record.
// submissions/cpu-s counts the PostgreSQL server's CPU time too.
func BenchmarkSubmit(b *testing.B) {
	b.Run("SQLite", func(b *testing.B) { benchSubmitWith(b, sqliteKind, nil) })
	b.Run("PostgreSQL", func(b *testing.B) {
		pg := pgtest.StartDurable(b)
		benchSubmitWith(b, pgKind(pg), func() time.Duration {
			d, err := pg.CPUTime()
			if err != nil {
				b.Fatal(err)
			}
			return d
		})
	})
}

// benchSubmitWith runs the cases with a store of kind; serverCPU (nil for
// none) is the CPU time of the store's own server processes.
func benchSubmitWith(b *testing.B, kind storeKind, serverCPU func() time.Duration) {
	ts := newTestServerWith(b, "testdata", kind)
	agents := make([]*agent.Client, 8)
	for i := range agents {
		agents[i] = ts.enrolled(b, fmt.Sprintf("host-%d", i))
	}
	ev := realEvidence(b, agents[0])
	big := append([]results.Evidence(nil), ev...)
	big[0].Observations = nil
	for i := range 400 {
		big[0].Observations = append(big[0].Observations, results.Observation{At: results.Duration(i * 1000), Operation: "connect",
			Address: fmt.Sprintf("198.18.7.%d:443", i%250), Took: 1500000, Failure: &results.Failure{Class: "timeout", Operation: "connect"}})
	}
	for _, bc := range []struct {
		name string
		ev   []results.Evidence
	}{{"host", ev}, {"host+400obs", big}} {
		b.Run(bc.name, func(b *testing.B) { benchSubmit(b, agents, bc.ev, serverCPU) })
	}
}

func benchSubmit(b *testing.B, agents []*agent.Client, ev []results.Evidence, serverCPU func() time.Duration) {
	cpu := cpuTime
	if serverCPU != nil {
		cpu = func() time.Duration { return cpuTime() + serverCPU() }
	}
	body, _ := json.Marshal(api.Submission{Suite: "fleet-host", Evidence: ev})
	ctx := context.Background()
	var next sync.Mutex
	i := 0
	b.SetParallelism(4) // 4 × GOMAXPROCS concurrent agents
	b.ResetTimer()
	start, cpu0 := time.Now(), cpu()
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
			if _, err := c.Submit(ctx, api.Submission{Suite: "fleet-host", Nonce: n.Nonce, Started: time.Now(), Evidence: ev}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "submissions/s")
	b.ReportMetric(float64(b.N)/(cpu()-cpu0).Seconds(), "submissions/cpu-s")
	b.ReportMetric(float64(len(body)), "body-bytes")
}

// cpuTime is the CPU time this process (agents and verifier together) used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
