package scaffold

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/landmarks"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/scenarios/run"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// anchorFile writes a small landmark file around Luxembourg and the US and
// returns its path and digest.
func anchorFile(t *testing.T) (string, string) {
	t.Helper()
	var lms []landmarks.Landmark
	for i, p := range [][3]any{{"LU", 49.61, 6.13}, {"LU", 49.85, 6.10}, {"BE", 50.85, 4.35}, {"DE", 50.11, 8.68}, {"FR", 48.86, 2.35},
		{"NL", 52.37, 4.89}, {"DE", 52.52, 13.40}, {"CH", 47.37, 8.55}, {"GB", 51.51, -0.13}, {"IE", 53.35, -6.26},
		{"US", 38.9, -77.04}, {"US", 40.71, -74.01}} {
		lms = append(lms, landmarks.Landmark{Name: "a" + string(rune('a'+i)) + ".example", Country: p[0].(string), Lat: p[1].(float64), Lon: p[2].(float64),
			IPv4: "192.0.2." + string(rune('1'+i%9)) + string(rune('0'+i/9)), ProbeID: 100 + i, Answers: []string{"icmp"}})
	}
	set, err := landmarks.NewSet("https://atlas.ripe.net/api/v2/anchors/", time.Unix(1.76e9, 0), lms, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(set)
	path := filepath.Join(t.TempDir(), "anchors.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, set.SHA256
}

func full(lf, sum string) Options {
	return Options{Provider: "Clarence Cloud", Hosts: []string{"203.0.113.10", "203.0.113.11"}, User: "auditor", Key: "keys/id",
		KnownHosts: "keys/known_hosts", Families: Families, Country: "lu", Landmarks: lf, SHA256: sum, Disconnected: true,
		Control: "10.0.0.53:53", Operator: "Clarence", ControlPlane: "https://api.clarence.example/"}
}

func TestScaffoldedSuitesParseAndPlan(t *testing.T) {
	lf, sum := anchorFile(t)
	cases := map[string]func(o *Options){
		"every family, disconnected": func(o *Options) {},
		"every family, connected":    func(o *Options) { o.Disconnected = false },
		"location alone, named host": func(o *Options) { o.Families, o.Hosts = []string{"location"}, []string{"vm1.clarence.example"} },
		"host and tpm":               func(o *Options) { o.Families = []string{"host", "tpm"} },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			o := full(lf, sum)
			edit(&o)
			if err := o.Check(); err != nil {
				t.Fatal(err)
			}
			y, err := Write(o)
			if err != nil {
				t.Fatal(err)
			}
			s, err := suite.Parse("init.yaml", y)
			if err != nil {
				t.Fatalf("%v\n%s", err, y)
			}
			if len(s.Targets) != len(o.Hosts) || s.Targets[0].SSH == nil {
				t.Fatalf("targets %+v", s.Targets)
			}
			steps := 0
			for _, tg := range s.Targets {
				steps += len(run.PlanFor(s, tg).Steps) + len(run.OutsidePlanFor(s, tg).Steps)
			}
			if steps != len(s.Steps)*len(s.Targets) || len(s.Claims) == 0 {
				t.Fatalf("%d planned steps of %d×%d, %d claims", steps, len(s.Steps), len(s.Targets), len(s.Claims))
			}
			for _, st := range s.Steps {
				if p, ok := st.Params.(*probes.RTTParams); ok && !strings.Contains(p.LandmarkSource, sum) {
					t.Errorf("rtt landmarks not pinned: %s", p.LandmarkSource)
				}
			}
		})
	}
}

func TestScaffoldRefusesIncompleteAnswers(t *testing.T) {
	lf, sum := anchorFile(t)
	cases := map[string]struct {
		edit func(o *Options)
		says string
	}{
		"no provider":          {func(o *Options) { o.Provider = "" }, "provider"},
		"no host":              {func(o *Options) { o.Hosts = nil }, "hosts"},
		"no known_hosts":       {func(o *Options) { o.KnownHosts = "" }, "known-hosts"},
		"unknown family":       {func(o *Options) { o.Families = []string{"vibes"} }, "unknown family"},
		"bad country":          {func(o *Options) { o.Country = "XX" }, "country"},
		"unknown place":        {func(o *Options) { o.Near = "Atlantis" }, "near"},
		"inbound to a name":    {func(o *Options) { o.Hosts = []string{"vm.example"} }, "public IP"},
		"egress, no control":   {func(o *Options) { o.Control = "" }, "positive control"},
		"control without port": {func(o *Options) { o.Control = "10.0.0.53" }, "host:port"},
		"plain http API":       {func(o *Options) { o.ControlPlane = "http://api.example/" }, "https"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			o := full(lf, sum)
			c.edit(&o)
			err := o.Check()
			if err == nil {
				_, err = Write(o)
			}
			if err == nil || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("error %v, want one saying %q", err, c.says)
			}
		})
	}
}
