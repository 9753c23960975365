package examples

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/landmarks"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/scenarios/run"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// anchorPlaces are where the stand-in anchor file puts anchors: around
// Europe, and a few in the US for far controls.
var anchorPlaces = []string{"Luxembourg,LU", "Ettelbruck,LU", "Brussels,BE", "Amsterdam,NL", "Rotterdam,NL",
	"Paris,FR", "Lyon,FR", "Frankfurt am Main,DE", "Berlin,DE", "Munich,DE", "Hamburg,DE",
	"Zürich,CH", "Vienna,AT", "Milan,IT", "Warsaw,PL", "Prague,CZ", "Copenhagen,DK", "London,GB", "Dublin,IE",
	"Madrid,ES", "Washington D.C.,US", "New York City,US", "Chicago,US"}

// writeAnchors writes, at landmarks/atlas-anchors.json under dir, a
// landmark file like the one `sovbench landmarks fetch` writes (addresses
// from the documentation ranges: nothing is dialled).
func writeAnchors(t *testing.T, dir string) {
	t.Helper()
	var lms []landmarks.Landmark
	for i, n := range anchorPlaces {
		p, ok := geo.LookupLandmark(n)
		if !ok {
			t.Fatalf("no place %s in the catalogue", n)
		}
		lms = append(lms, landmarks.Landmark{Name: fmt.Sprintf("%s-%02d.anchors.example", strings.ToLower(p.Country), i),
			City: p.Name, Country: p.Country, Lat: p.Lat, Lon: p.Lon, IPv4: fmt.Sprintf("192.0.2.%d", i+1),
			ProbeID: 6000 + i, Answers: []string{"icmp", "tcp/443"}})
	}
	set, err := landmarks.NewSet("https://atlas.ripe.net/api/v2/anchors/", time.Unix(1.76e9, 0), lms, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(set)
	if err := os.MkdirAll(filepath.Join(dir, "landmarks"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "landmarks", "atlas-anchors.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestExamplesParseAndPlan loads every example suite from a directory that
// holds a landmark file where the examples expect it, and builds each
// target's plans: what runs on the host and what runs on the auditor's
// machine. Nothing is dialled.
func TestExamplesParseAndPlan(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) < 2 {
		t.Fatalf("example suites: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			abs, err := filepath.Abs(f)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			writeAnchors(t, dir)
			t.Chdir(dir)
			s, err := suite.Load(context.Background(), abs, limits.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			checkPlans(t, s)
		})
	}
}

// checkPlans checks that every target is an ssh target whose plans hold
// every step, the outside ones apart, and that the rtt and inbound steps
// picked their landmarks from the file.
func checkPlans(t *testing.T, s *suite.Suite) {
	t.Helper()
	if len(s.Targets) == 0 || len(s.Claims) == 0 {
		t.Fatalf("%d targets, %d claims", len(s.Targets), len(s.Claims))
	}
	for _, tg := range s.Targets {
		if tg.Kind != "ssh" || tg.SSH == nil {
			t.Errorf("target %s is %s, not an ssh target", tg.Name, tg.Kind)
		}
		in, out := run.PlanFor(s, tg), run.OutsidePlanFor(s, tg)
		if len(in.Steps)+len(out.Steps) != len(s.StepsFor(tg.Name)) || len(in.Steps) == 0 {
			t.Errorf("target %s: %d steps on the host, %d outside, of %d", tg.Name, len(in.Steps), len(out.Steps), len(s.StepsFor(tg.Name)))
		}
		for _, st := range append(in.Steps, out.Steps...) {
			switch p := st.Params.(type) {
			case *probes.RTTParams:
				if len(p.Landmarks) < 8 || !strings.Contains(p.LandmarkSource, "landmarks/atlas-anchors.json") {
					t.Errorf("rtt step: %d landmarks from %q", len(p.Landmarks), p.LandmarkSource)
				}
			case *probes.InboundParams:
				if len(p.Vantages) < 8 || slices.ContainsFunc(p.Vantages, func(v probes.Vantage) bool { return v.ProbeID == 0 }) {
					t.Errorf("inbound step: vantages %+v", p.Vantages)
				}
			}
		}
	}
}
