package landmarks

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/internal/limits"
)

func names(ps []Picked) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestSelectionRules(t *testing.T) {
	set := testSet(t)
	for _, tc := range []struct {
		name string
		sel  Selection
		want []string
	}{
		{"nearest N to a place by name", Selection{Nearest: &Nearest{Place: Place{To: "Luxembourg"}, N: 3}},
			[]string{"lu-lux.anchors", "lu-bet.anchors", "de-dus.anchors"}}, // Düsseldorf 186 km, Frankfurt 191 km
		{"nearest N to a position", Selection{Nearest: &Nearest{Place: Place{At: []float64{48.85, 2.35}}, N: 2}},
			[]string{"fr-par.anchors", "be-bru.anchors"}},
		{"N per country, nearest to the place first", Selection{Nearest: &Nearest{Place: Place{To: "Luxembourg"}, N: 1},
			PerCountry: &PerCountry{Countries: []string{"de", "FR"}, N: 2}},
			[]string{"lu-lux.anchors", "de-dus.anchors", "de-fra.anchors", "fr-par.anchors", "fr-mrs.anchors"}},
		{"far controls, one per country, nearest first", Selection{Far: &Far{Place: Place{To: "Luxembourg"}, N: 3, MinKm: 2000}},
			[]string{"us-ash.anchors", "jp-tyo.anchors", "sg-sin.anchors"}},
		{"far controls limited to countries", Selection{Nearest: &Nearest{Place: Place{To: "Luxembourg"}, N: 1},
			Far: &Far{N: 2, MinKm: 2000, Countries: []string{"US"}}},
			[]string{"lu-lux.anchors", "us-ash.anchors"}},
		{"exclude leaves a landmark out of every rule", Selection{Nearest: &Nearest{Place: Place{To: "Luxembourg"}, N: 2}, Exclude: []string{"lu-bet.anchors"}},
			[]string{"lu-lux.anchors", "de-dus.anchors"}},
		{"ip6 takes only landmarks with an IPv6 address", Selection{Family: "ip6", Nearest: &Nearest{Place: Place{To: "Luxembourg"}, N: 3}},
			[]string{"de-ber-v6.anchors"}},
		{"names pick by name, after the rules, without repeats", Selection{Nearest: &Nearest{Place: Place{To: "Luxembourg"}, N: 1}, Names: []string{"jp-tyo.anchors", "lu-lux.anchors"}},
			[]string{"lu-lux.anchors", "jp-tyo.anchors"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, rules, err := tc.sel.Pick(set)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names(got), tc.want) {
				t.Errorf("picked %v, want %v (%v)", names(got), tc.want, rules)
			}
		})
	}
	t.Run("a rule that asks for more than the file has says so", func(t *testing.T) {
		sel := Selection{PerCountry: &PerCountry{Countries: []string{"LU"}, N: 5}}
		_, rules, err := sel.Pick(set)
		if err != nil || !strings.Contains(rules[0], "2 in LU (of 5 asked") {
			t.Fatalf("%v %v", rules, err)
		}
	})
}

func TestSelectionErrors(t *testing.T) {
	set := testSet(t)
	for _, tc := range []struct {
		name string
		sel  Selection
		says string
	}{
		{"no rule", Selection{File: "x"}, "needs a rule"},
		{"an unknown place", Selection{Nearest: &Nearest{Place: Place{To: "Atlantis"}, N: 2}}, `nearest.to: "Atlantis"`},
		{"a place given twice", Selection{Nearest: &Nearest{Place: Place{To: "Paris", At: []float64{1, 2}}, N: 2}}, "give to:"},
		{"far without a place", Selection{Far: &Far{N: 2, MinKm: 100}}, "far: give to:"},
		{"a bad country", Selection{PerCountry: &PerCountry{Countries: []string{"XX"}, N: 1}}, `"XX"`},
		{"a bad family", Selection{Family: "ipx", Names: []string{"a"}}, "family"},
		{"an unknown name", Selection{Names: []string{"nowhere.anchors"}}, "nowhere.anchors"},
		{"rules that choose nothing", Selection{Family: "ip6", PerCountry: &PerCountry{Countries: []string{"US"}, N: 1}}, "choose no landmark"},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			if tc.sel.File == "" {
				tc.sel.File = "set.json"
			}
			_, _, err := tc.sel.Pick(set)
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v, want %q", err, tc.says)
			}
		})
	}
	t.Run("Apply refuses a file whose landmarks are not the pinned ones", func(t *testing.T) {
		path := writeJSON(t, set)
		sel := Selection{File: path, SHA256: strings.Repeat("0", 64), Nearest: &Nearest{Place: Place{To: "Paris"}, N: 1}}
		_, _, err := sel.Apply(t.Context(), limits.Limits{})
		var de *DigestError
		if !errors.As(err, &de) || de.Got != set.SHA256 {
			t.Fatalf("got %v", err)
		}
		sel.SHA256 = set.SHA256
		got, desc, err := sel.Apply(t.Context(), limits.Limits{})
		if err != nil || len(got) != 1 || !strings.Contains(desc, set.SHA256) || !strings.Contains(desc, "fetched 2026-05-01T10:00:00Z") {
			t.Fatalf("%v %q %v", got, desc, err)
		}
	})
}
