package run

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/atlas"
	"github.com/sovbench/sovbench/atlas/atlastest"
	"github.com/sovbench/sovbench/landmarks"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/plan"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// inboundSuite runs the host probe on a local target and the inbound probe
// from two anchors' Atlas probes (6301, 6302) towards address.
func inboundSuite(t *testing.T, address string) *suite.Suite {
	t.Helper()
	set, err := landmarks.NewSet("https://atlas.example/api/v2/anchors/", time.Unix(1.7e9, 0), []landmarks.Landmark{
		{Name: "lu-lux.anchors", Country: "LU", Lat: 49.61, Lon: 6.13, IPv4: "192.0.2.1", ProbeID: 6301, Answers: []string{"icmp"}},
		{Name: "de-fra.anchors", Country: "DE", Lat: 50.11, Lon: 8.68, IPv4: "192.0.2.2", ProbeID: 6302, Answers: []string{"icmp"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(set)
	file := filepath.Join(t.TempDir(), "anchors.json")
	os.WriteFile(file, b, 0o644)
	s, err := suite.Parse("t.yaml", []byte(fmt.Sprintf(`suite: t
provider: {name: p}
targets: [{name: a}]
probes:
  - probe: host
  - probe: inbound
    timeout: 30s
    params: {address: %s, poll_interval: 10ms, landmark_set: {file: %s, nearest: {to: Luxembourg, n: 2}}}
claims:
  - location.inbound: {not_in: [US]}
`, address, file)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOutsideStepsRunOnTheAuditorsMachine(t *testing.T) {
	s := inboundSuite(t, "192.0.2.77")
	t.Run("the plan sent to the target leaves them out", func(t *testing.T) {
		p, op := PlanFor(s, s.Targets[0]), OutsidePlanFor(s, s.Targets[0])
		if len(p.Steps) != 1 || p.Steps[0].Probe != "host" || len(op.Steps) != 1 || op.Steps[0].Probe != "inbound" {
			t.Fatalf("target plan %+v, outside plan %+v", p.Steps, op.Steps)
		}
	})
	t.Run("with the user's Atlas client the runner measures the target from outside", func(t *testing.T) {
		srv := atlastest.New("k")
		defer srv.Close()
		srv.From = map[int]string{6301: "192.0.2.1", 6302: "192.0.2.2"}
		var pinged []string
		srv.Ping = func(_ context.Context, probe int, to netip.Addr, n int) ([]float64, int, error) {
			pinged = append(pinged, fmt.Sprintf("%d->%s", probe, to))
			return []float64{1.5, 1.2, 1.4}, n, nil
		}
		c, err := atlas.New(srv.API(), atlas.NewKey("k"), srv.Client())
		if err != nil {
			t.Fatal(err)
		}
		r := fixtureRunner(t)
		r.OutsideEnv = plan.Env{Atlas: c}
		rep := r.Run(context.Background(), s)
		ev := byID(rep.Evidence, "a/inbound")
		if ev == nil || ev.Failure != nil || ev.Inbound == nil || len(ev.Inbound.Vantages) != 2 || ev.Inbound.Status != "Stopped" {
			t.Fatalf("inbound evidence %+v", ev)
		}
		if v := ev.Inbound.Vantages[0]; v.Name != "lu-lux.anchors" || v.Address != "192.0.2.1" || v.Summary.Min.D() != 1200*time.Microsecond {
			t.Errorf("vantage %+v", v)
		}
		if len(pinged) != 2 || !strings.HasSuffix(pinged[0], "->192.0.2.77") {
			t.Errorf("pings %v", pinged)
		}
		if rep.Verdicts[0].Status != results.StatusPass {
			t.Errorf("verdict %+v", rep.Verdicts[0])
		}
	})
	t.Run("without a key the step says it cannot run; the rest runs", func(t *testing.T) {
		rep := fixtureRunner(t).Run(context.Background(), s)
		ev := byID(rep.Evidence, "a/inbound")
		if ev == nil || ev.Failure == nil || !strings.Contains(ev.Failure.Message, "no RIPE Atlas access") || byID(rep.Evidence, "a/host").Host == nil {
			t.Fatalf("evidence %+v", rep.Evidence)
		}
	})
}

// An agent writes only the records its plan asked for: not another
// target's, and not the ones measured from outside.
func TestAnAgentCannotWriteRecordsItWasNotAsked(t *testing.T) {
	s := inboundSuite(t, "192.0.2.77")
	p := PlanFor(s, s.Targets[0])
	var kept []string
	emit := only(p, func(ev results.Evidence) { kept = append(kept, ev.ID) }, slog.New(slog.DiscardHandler))
	forged := &results.InboundDetails{Vantages: []results.LandmarkRTT{{Name: "lu-lux.anchors"}}}
	for _, ev := range []results.Evidence{
		{ID: "a/host", Target: "a", Probe: "host"},
		{ID: "a/inbound", Target: "a", Probe: "inbound", Inbound: forged},
		{ID: "b/host", Target: "b", Probe: "host"},
		{ID: "a/host", Target: "b", Probe: "host"},
		{ID: "a/host", Target: "a", Probe: "inbound", Inbound: forged},
	} {
		emit(ev)
	}
	if len(kept) != 1 || kept[0] != "a/host" {
		t.Fatalf("kept %v", kept)
	}
}

func byID(evs []results.Evidence, id string) *results.Evidence {
	for i := range evs {
		if evs[i].ID == id {
			return &evs[i]
		}
	}
	return nil
}
