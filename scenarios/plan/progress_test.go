package plan

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// countingPlan is a plan of one controlplane step that makes n requests to
// a loopback server: a probe that reports n attempts.
func countingPlan(t *testing.T, n int) Plan {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	s, err := suite.Parse("t.yaml", []byte(`suite: t
provider: {name: p}
budget: 1m
targets: [{name: a}]
probes:
  - probe: controlplane
    params: {url: "`+srv.URL+`", count: `+strconv.Itoa(n)+`, interval: 0s}
claims:
  - control_plane.max_distance_km: 100
`))
	if err != nil {
		t.Fatal(err)
	}
	return planFor(s, s.Targets[0])
}

func TestAProbeReportingNAttemptsShowsNSteps(t *testing.T) {
	const n = 12
	var got []StepProgress
	env := Env{Progress: func(p StepProgress) { got = append(got, p) }} // one probe: serial calls
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	RunPlan(ctx, countingPlan(t, n), env, func(ev results.Evidence) {})
	if len(got) != n {
		t.Fatalf("%d progress reports for %d requests: %+v", len(got), n, got)
	}
	for i, p := range got {
		if p.Step != "controlplane" || p.Unit != "requests" || p.Done != i+1 || p.Total != n {
			t.Errorf("report %d = %+v, want controlplane %d/%d requests", i, p, i+1, n)
		}
	}
}

func TestServeAgentWritesProgressLinesOnlyWhenThePlanAsks(t *testing.T) {
	for _, asked := range []bool{false, true} {
		p := countingPlan(t, 5)
		p.Progress = asked
		body, _ := json.Marshal(p)
		var out bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := ServeAgent(ctx, bytes.NewReader(body), &out, Env{}); err != nil {
			t.Fatal(err)
		}
		cancel()
		var progress []StepProgress
		evidence := 0
		sc := bufio.NewScanner(&out)
		for sc.Scan() {
			sp, ok, err := ParseProgress(sc.Bytes())
			switch {
			case err != nil:
				t.Fatalf("line %q: %v", sc.Text(), err)
			case ok:
				progress = append(progress, sp)
			default:
				evidence++
			}
		}
		if evidence != 1 {
			t.Errorf("asked=%v: %d evidence lines, want 1", asked, evidence)
		}
		if !asked && len(progress) > 0 {
			t.Errorf("an agent not asked for progress wrote %+v (an older runner would choke on it)", progress)
		}
		if asked && (len(progress) == 0 || progress[len(progress)-1].Done != 5 || progress[len(progress)-1].Total != 5) {
			t.Errorf("asked: progress lines %+v, want the last to say 5/5", progress)
		}
	}
}

func TestThrottlePassesTheLastAndOnePerInterval(t *testing.T) {
	now := time.Unix(0, 0)
	var got []int
	f := Throttle(100*time.Millisecond, func() time.Time { return now }, func(p StepProgress) { got = append(got, p.Done) })
	rep := func(done int) {
		f(StepProgress{Step: "s", Progress: probes.Progress{Unit: "u", Done: done, Total: 10}})
	}
	rep(1) // first: passed
	rep(2) // too soon: dropped
	now = now.Add(150 * time.Millisecond)
	rep(4) // passed
	rep(3) // behind one passed: dropped even at the end
	now = now.Add(time.Second)
	rep(3)                                                                              // still behind: dropped
	rep(10)                                                                             // the last: passed at once
	rep(10)                                                                             // repeated: dropped
	f(StepProgress{Step: "t", Progress: probes.Progress{Unit: "u", Done: 1, Total: 2}}) // another step: its own pace
	if want := []int{1, 4, 10, 1}; !slices.Equal(got, want) {
		t.Fatalf("passed %v, want %v", got, want)
	}
}

func TestParseProgressTellsLinesApart(t *testing.T) {
	for _, c := range []struct {
		line    string
		ok, bad bool
	}{
		{`{"id":"a/host","probe":"host"}`, false, false},
		{`{"progress":{"step":"e","unit":"destinations","done":3,"total":10}}`, true, false},
		{`{"progress":{"step":"e","unit":"d","done":11,"total":10}}`, true, true},
		{`{"progress":{"step":"e","unit":"d","done":1,"total":0}}`, true, true},
		{`{"progress":{"step":"e","unit":"d","done":1,"total":2,"verdict":"pass"}}`, true, true},
		{`{"progress":{"step":"e"},"id":"a/host"}`, true, true},
	} {
		_, ok, err := ParseProgress([]byte(c.line))
		if ok != c.ok || (err != nil) != c.bad {
			t.Errorf("%s: ok=%v err=%v, want ok=%v bad=%v", c.line, ok, err, c.ok, c.bad)
		}
	}
}

func TestEgressCountsDestinations(t *testing.T) {
	var dests strings.Builder
	for range 4 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		fmt.Fprintf(&dests, "      - {host: 127.0.0.1, port: %d, protocol: tcp, methods: [tcp]}\n", ln.Addr().(*net.TCPAddr).Port)
	}
	s, err := suite.Parse("t.yaml", []byte("suite: t\nprovider: {name: p}\nbudget: 1m\ntargets: [{name: a}]\nprobes:\n  - probe: egress\n"+
		// Never the machine's own resolver or gateways: leak checks and
		// proxy discovery are off, only loopback destinations are tried.
		"    params:\n      attempt_timeout: 1s\n      random_ports: -1\n      dns_leak: {off: true}\n      proxy_discovery: {off: true}\n      destinations:\n"+dests.String()+
		"claims:\n  - egress.disconnected: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu  sync.Mutex
		got []StepProgress
	)
	env := Env{Progress: func(p StepProgress) { mu.Lock(); got = append(got, p); mu.Unlock() }}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	RunPlan(ctx, planFor(s, s.Targets[0]), env, func(results.Evidence) {})
	dones := map[int]bool{}
	for _, p := range got {
		if p.Unit == "destinations" && p.Total == 4 {
			dones[p.Done] = true
		}
	}
	if len(dones) != 4 || !dones[4] {
		t.Fatalf("egress progress %+v, want destinations 1…4 of 4", got)
	}
}
