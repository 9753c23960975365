package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sovbench/sovbench/fleet/agent"
	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/fleet/pgtest"
)

// loadAgents is how many agents BenchmarkFleetLoad simulates, and
// loadInFlight how many of them submit at the same moment.
const (
	loadAgents   = 1000
	loadInFlight = 64
)

// BenchmarkFleetLoad drives the verifier over loopback TLS as a fleet of
// 1 000 agents would: every agent enrols with its own token and its own
// TLS connection and fetches its plan (enrolments/s), then the fleet
// submits: per operation one agent, in turn, asks for a nonce and submits
// the real host evidence of this machine (5–6 KB), 64 at a time. It
// reports submissions/s, the p99 of one nonce + submit round
// (p99-ms), and submissions per CPU second of the whole process (agents,
// TLS at both ends, verifier) plus, for PostgreSQL, its server's. The
// PostgreSQL server is local with its durable defaults (fsync on).
// Target: ≥ 1 000 submissions/s with either store.
func BenchmarkFleetLoad(b *testing.B) {
	b.Run("SQLite", func(b *testing.B) { benchLoad(b, sqliteKind, nil) })
	b.Run("PostgreSQL", func(b *testing.B) {
		pg := pgtest.StartDurable(b)
		benchLoad(b, pgKind(pg), func() time.Duration {
			d, err := pg.CPUTime()
			if err != nil {
				b.Fatal(err)
			}
			return d
		})
	})
}

func benchLoad(b *testing.B, kind storeKind, serverCPU func() time.Duration) {
	ts := newTestServerWith(b, "testdata", kind)
	b.StopTimer()
	began := time.Now()
	agents := enrolFleet(b, ts, loadAgents)
	b.ReportMetric(float64(loadAgents)/time.Since(began).Seconds(), "enrolments/s")
	ev := realEvidence(b, agents[0])
	body, _ := json.Marshal(api.Submission{Suite: "fleet-host", Evidence: ev})
	cpu := cpuTime
	if serverCPU != nil {
		cpu = func() time.Duration { return cpuTime() + serverCPU() }
	}
	lat := make([][]time.Duration, loadInFlight)
	var next atomic.Int64
	var wg sync.WaitGroup
	stopProfile := profileSubmissions(b)
	b.StartTimer()
	start, cpu0 := time.Now(), cpu()
	for w := range loadInFlight {
		wg.Go(func() {
			ctx := context.Background()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				c := agents[i%loadAgents]
				t0 := time.Now()
				n, err := c.Nonce(ctx, "fleet-host")
				if err == nil {
					_, err = c.Submit(ctx, api.Submission{Suite: "fleet-host", Nonce: n.Nonce, Started: t0, Evidence: ev})
				}
				if err != nil {
					b.Error(err)
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	stopProfile()
	elapsed, used := time.Since(start), cpu()-cpu0
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "submissions/s")
	b.ReportMetric(float64(b.N)/used.Seconds(), "submissions/cpu-s")
	b.ReportMetric(float64(len(body)), "body-bytes")
}

// enrolFleet enrols n agents, each with a token of its own and a client
// (TLS connection) of its own, 32 at a time, and fetches each one's plan.
func enrolFleet(b *testing.B, ts *testServer, n int) []*agent.Client {
	ctx := context.Background()
	agents := make([]*agent.Client, n)
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for i := range agents {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			tok, err := ts.store.IssueToken(ctx, Token{TTL: time.Hour})
			if err != nil {
				b.Error(err)
				return
			}
			c := ts.client(b)
			if _, err := c.Enrol(ctx, tok, fmt.Sprintf("host-%04d", i)); err != nil {
				b.Error(err)
				return
			}
			if _, err := c.Plan(ctx, "fleet-host"); err != nil {
				b.Error(err)
				return
			}
			agents[i] = c
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	return agents
}

// profileSubmissions starts a CPU profile of the submission phase alone
// (enrolment and evidence collection left out) when
// SOVBENCH_LOAD_CPUPROFILE names a file (a store's name is added to it),
// and returns what stops it.
func profileSubmissions(b *testing.B) func() {
	path := os.Getenv("SOVBENCH_LOAD_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path + "." + strings.ReplaceAll(b.Name(), "/", "-"))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}
