package geo

import (
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func TestMapSVG(t *testing.T) {
	lms := europeLandmarks(t)
	for _, tc := range []struct {
		name, golden string
		truth        Landmark
		opts         MapOptions
		want         []string
	}{
		{"a Bissen host is drawn over Luxembourg with its claimed country", "bissen.svg", bissen,
			MapOptions{Countries: testCountries(), Title: "bissen: location.in LU", ClaimedCountry: "LU", Claimed: &[2]float64{49.61, 6.13}, ClaimedKm: 25},
			[]string{"<title>Luxembourg</title>", "feasible region", "Ettelbruck", "#b7e1b0", "Luxembourg (claimed)</text>"}},
		{"an Ashburn host is drawn over the US", "ashburn.svg", ashburn,
			MapOptions{Countries: testCountries(), Title: "ashburn: location.in LU", ClaimedCountry: "LU"},
			[]string{"<title>United States of America</title>", "feasible region", "Luxembourg (claimed)</text>", "<title>Luxembourg</title>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ls := lms
			if tc.truth == ashburn {
				ls = append(ls[:len(ls):len(ls)], ashburn)
			}
			r := Solve(synthetic(tc.truth, ls, 1.2, 100*time.Microsecond), Options{})
			svg := MapSVG(&r.Solution, tc.opts)
			if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
				t.Fatalf("not well-formed XML: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(svg, w) {
					t.Errorf("SVG lacks %q", w)
				}
			}
			path := filepath.Join("testdata", tc.golden)
			if *update {
				if err := os.WriteFile(path, []byte(svg), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("golden file: %v (run with -update)", err)
			}
			if string(want) != svg {
				t.Errorf("SVG differs from %s (run with -update and look at it)", path)
			}
		})
	}
	t.Run("no region draws Europe", func(t *testing.T) {
		svg := MapSVG(nil, MapOptions{Countries: testCountries()})
		if !strings.Contains(svg, "no round trips") || !strings.Contains(svg, "<title>France</title>") {
			t.Fatal("empty map lacks Europe or its legend")
		}
	})
}
