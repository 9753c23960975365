package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestShow(t *testing.T) {
	dir, reps := fixtureResults(t)
	clarence := reps[0]
	files, _ := filepath.Glob(filepath.Join(dir, "Clarence", "*.json"))
	tests := []struct {
		name  string
		args  []string
		want  int
		shows []string
		hides []string
	}{
		{"a report file shows its header and verdicts",
			[]string{"show", files[0]}, exitOK,
			[]string{"disconnected", "Clarence", clarence.RunID, "complete", "2026-11-23T09:30:00Z", "42s", "1 pass, 1 fail, 2 inconclusive", "3/412 reachable"},
			[]string{"h2/egress"}},
		{"-v adds the evidence",
			[]string{"show", "-v", files[0]}, exitOK,
			[]string{"h2/egress", "egress@1", "1 timeout"}, nil},
		{"a run id is looked up in the index",
			[]string{"show", "--results-dir", dir, clarence.RunID}, exitOK,
			[]string{clarence.RunID, "3/412 reachable"}, nil},
		{"csv is the verdict table alone",
			[]string{"show", "-o", "csv", files[0]}, exitOK,
			[]string{"target,claim,verdict,figure,reason\n"}, []string{"run id"}},
		{"an ambiguous prefix is a usage error",
			[]string{"show", "--results-dir", dir, "0193a1b2"}, exitUsage, nil, nil},
		{"an unknown run is a usage error",
			[]string{"show", "--results-dir", dir, "ffff"}, exitUsage, nil, nil},
		{"a missing file is a usage error",
			[]string{"show", filepath.Join(dir, "nope.json")}, exitUsage, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := sb(t, tt.args...)
			if code != tt.want {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.want, errs)
			}
			for _, s := range tt.shows {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tt.hides {
				if strings.Contains(out, s) {
					t.Errorf("output shows %q:\n%s", s, out)
				}
			}
		})
	}
}
