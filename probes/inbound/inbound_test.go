package inbound

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/atlas"
	"github.com/sovbench/sovbench/atlas/atlastest"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

func params() probes.InboundParams {
	p := probes.DefaultInboundParams()
	p.PollInterval = 10 * time.Millisecond
	p.Vantages = []probes.Vantage{
		{Name: "lu", Country: "LU", Lat: 49.61, Lon: 6.13, ProbeID: 1},
		{Name: "de", Country: "DE", Lat: 50.11, Lon: 8.68, ProbeID: 2},
		{Name: "fr", Country: "FR", Lat: 48.86, Lon: 2.35, ProbeID: 3},
	}
	return p
}

func probeWith(t *testing.T, p probes.InboundParams, ping atlastest.Pinger) (probes.Probe, *atlastest.Server) {
	t.Helper()
	srv := atlastest.New("k")
	t.Cleanup(srv.Close)
	srv.Ping = ping
	c, err := atlas.New(srv.API(), atlas.NewKey("k"), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	pr, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	return pr.(*Probe).WithAtlas(c), srv
}

func TestVantagePointsThatDoNotAnswer(t *testing.T) {
	// Probe 2 takes no part; the host drops probe 3's pings.
	pr, _ := probeWith(t, params(), func(_ context.Context, id int, _ netip.Addr, n int) ([]float64, int, error) {
		switch id {
		case 2:
			return nil, 0, errors.New("probe offline")
		case 3:
			return nil, n, nil
		}
		return []float64{1.3, 1.1, 1.2}, n, nil
	})
	ev, err := pr.Run(context.Background(), probes.Target{Name: "vm", Kind: "ssh", Address: "203.0.113.7:22"})
	if err != nil || ev.Failure != nil || ev.Inbound == nil {
		t.Fatalf("%v %+v", err, ev)
	}
	d := ev.Inbound
	if d.Target != "203.0.113.7" || d.Status != "Stopped" || len(d.Vantages) != 3 {
		t.Fatalf("details %+v", d)
	}
	if v := d.Vantages[0]; v.Failure != nil || v.Summary.N != 3 || v.Summary.Min.D() != 1100*time.Microsecond {
		t.Errorf("answering vantage %+v", v)
	}
	if v := d.Vantages[1]; v.Failure == nil || v.Failure.Class != results.ClassTimeout || !strings.Contains(v.Failure.Message, "no result") {
		t.Errorf("absent vantage %+v", v)
	}
	if v := d.Vantages[2]; v.Failure == nil || v.Lost != 3 || len(v.Samples) != 0 {
		t.Errorf("unanswered vantage %+v", v)
	}
	if d.Location == nil || d.Location.Empty {
		t.Errorf("location %+v", d.Location)
	}
}

func TestAMeasurementStillRunningAtTheDeadlineGivesItsResultsSoFar(t *testing.T) {
	pr, _ := probeWith(t, params(), func(ctx context.Context, id int, _ netip.Addr, n int) ([]float64, int, error) {
		if id == 3 {
			<-ctx.Done() // a probe that never reports
			return nil, 0, ctx.Err()
		}
		return []float64{2}, n, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ev, err := pr.Run(ctx, probes.Target{Name: "vm", Address: "203.0.113.7"})
	if err != nil || ev.Failure != nil || ev.Inbound.Status != "Ongoing" {
		t.Fatalf("%v %+v", err, ev)
	}
	if n := ev.Inbound.Vantages[0].Summary.N + ev.Inbound.Vantages[1].Summary.N; n != 2 || ev.Inbound.Vantages[2].Failure == nil {
		t.Fatalf("vantages %+v", ev.Inbound.Vantages)
	}
}

func TestWithoutAtlasOrAddressTheProbeSaysWhy(t *testing.T) {
	pr, err := New(params())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pr.Run(context.Background(), probes.Target{Name: "vm", Address: "203.0.113.7"}); !errors.Is(err, ErrNoAtlas) {
		t.Errorf("without a client: %v", err)
	}
	pr, _ = probeWith(t, params(), nil)
	if _, err := pr.Run(context.Background(), probes.Target{Name: "vm", Address: "vm.example"}); err == nil || !strings.Contains(err.Error(), "address") {
		t.Errorf("a named target: %v", err)
	}
}
