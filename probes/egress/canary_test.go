package egress

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// TestCanaryCollector asks a canary log endpoint (on loopback) and a lab
// log for the target's token of the run, and keeps only arrivals that
// carry it; a run without an id, a lab collector without a lab, or an
// endpoint that answers garbage leaves the record failed (arrivals unknown).
func TestCanaryCollector(t *testing.T) {
	tgt := probes.Target{Name: "vm1"}
	tok := probes.RunToken("run-1", "vm1")
	var asked string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = r.URL.Query().Get("token")
		if r.URL.Path == "/bad" {
			w.Write([]byte("{}"))
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"arrivals": []results.CanaryArrival{
			{Proto: "udp", Destination: "198.19.1.2:4500", Payload: "SOVBENCH-EGRESS " + tok + "-3\n"},
			{Proto: "udp", Destination: "198.19.1.2:4500", Payload: "SOVBENCH-EGRESS someone-else-3\n"},
		}})
	}))
	defer srv.Close()
	run := func(p probes.CanaryParams, ctx context.Context, log CanaryLog) results.Evidence {
		t.Helper()
		p.Settle = 0
		pr, err := NewCanary(p)
		if err != nil {
			t.Fatal(err)
		}
		if log != nil {
			pr = pr.(*canaryProbe).WithCanaryLog(log)
		}
		ev, err := pr.Run(ctx, tgt)
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	withRun := probes.WithRunID(context.Background(), "run-1")

	ev := run(probes.CanaryParams{URL: srv.URL + "/log"}, withRun, nil)
	if ev.Failure != nil || asked != tok || len(ev.Canary.Arrivals) != 1 || ev.Canary.Token != tok {
		t.Fatalf("url: failure %v, asked %q (want %q), record %+v", ev.Failure, asked, tok, ev.Canary)
	}
	ev = run(probes.CanaryParams{URL: srv.URL + "/bad"}, withRun, nil)
	if ev.Failure == nil || !strings.Contains(ev.Failure.Message, "no \"arrivals\" list") {
		t.Fatalf("an answer without arrivals: failure %v", ev.Failure)
	}
	ev = run(probes.CanaryParams{Lab: true}, withRun, nil)
	if ev.Failure == nil || !strings.Contains(ev.Failure.Message, "no lab") {
		t.Fatalf("lab source without a lab: failure %v", ev.Failure)
	}
	ev = run(probes.CanaryParams{Lab: true}, context.Background(), func(context.Context, string) ([]results.CanaryArrival, error) { return nil, nil })
	if ev.Failure == nil || !strings.Contains(ev.Failure.Message, "no run id") {
		t.Fatalf("no run id: failure %v", ev.Failure)
	}
	var got string
	ev = run(probes.CanaryParams{Lab: true}, withRun, func(_ context.Context, token string) ([]results.CanaryArrival, error) {
		got = token
		return []results.CanaryArrival{{Proto: "udp", Payload: "SOVBENCH-EGRESS " + token + "-0\n"}}, nil
	})
	if ev.Failure != nil || got != tok || len(ev.Canary.Arrivals) != 1 {
		t.Fatalf("lab: failure %v, token %q, record %+v", ev.Failure, got, ev.Canary)
	}
}

func TestCanaryParams(t *testing.T) {
	for _, p := range []probes.CanaryParams{{}, {Lab: true, URL: "http://x/"}, {URL: "ftp://x/"}, {URL: "/relative"}} {
		if err := p.Validate(); err == nil {
			t.Errorf("%+v validated", p)
		}
	}
}
