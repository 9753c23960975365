package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/results/render"
	"github.com/sovbench/sovbench/results/store"
)

func TestCompareReadsFilesDirectoriesAndTheIndexAlike(t *testing.T) {
	dir, _ := fixtureResults(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if len(files) != 2 {
		t.Fatalf("fixture files: %v", files)
	}
	for _, format := range render.Formats {
		t.Run("the "+format+" tables agree", func(t *testing.T) {
			golden, err := os.ReadFile(filepath.Join("..", "..", "results", "render", "testdata", "compare."+format))
			if err != nil {
				t.Fatal(err)
			}
			os.Remove(filepath.Join(dir, store.IndexName))
			ways := [][]string{
				append([]string{"compare", "-o", format}, files...),        // two report files
				{"compare", "-o", format, dir},                             // a directory without an index
				{"compare", "-o", format, "--index", "--results-dir", dir}, // creates and fills the index
				{"compare", "-o", format, dir},                             // a directory with an index
			}
			for i, args := range ways {
				code, out, errs := sb(t, args...)
				if code != exitOK {
					t.Fatalf("%v: exit %d: %s", args, code, errs)
				}
				// Records name the report file when the run came from
				// an index, relative to it; from files they cannot.
				if out = withoutReportPaths(t, out, format); out != withoutReportPaths(t, string(golden), format) {
					t.Errorf("%v printed\n%s\nwant (results/render/testdata/compare.%s)\n%s", args, out, format, golden)
				}
				if i == 2 {
					if _, err := os.Stat(filepath.Join(dir, store.IndexName)); err != nil {
						t.Errorf("compare --index left no index: %v", err)
					}
				}
			}
		})
	}
}

func TestCompareErrors(t *testing.T) {
	dir, _ := fixtureResults(t)
	bad := filepath.Join(dir, "S3NS", "zz-broken.json")
	os.WriteFile(bad, []byte(`{"schema": "sovbench.report/v2",`), 0o644)
	tests := []struct {
		name string
		args []string
		want int
		says string
	}{
		{"no path and no --index is a usage error", []string{"compare"}, exitUsage, "at least one PATH"},
		{"a path and --index together are a usage error", []string{"compare", "--index", dir}, exitUsage, "not both"},
		{"a missing path is a usage error", []string{"compare", filepath.Join(dir, "nope")}, exitUsage, "nope"},
		{"a bad report in a directory is skipped and named", []string{"compare", dir}, exitSkipped, "warning: skipped " + bad},
		{"--index on a missing results directory is a usage error", []string{"compare", "--index", "--results-dir", filepath.Join(dir, "nope")}, exitUsage, "no such file"},
		{"an empty directory has no reports", []string{"compare", t.TempDir()}, exitUsage, "no reports found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := sb(t, tt.args...)
			if code != tt.want || !strings.Contains(errs, tt.says) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errs, tt.want, tt.says)
			}
		})
	}
}

// withoutReportPaths blanks the report field of compare's records.
func withoutReportPaths(t *testing.T, out, format string) string {
	t.Helper()
	switch format {
	case "json", "jsonl":
		return reportField.ReplaceAllString(out, `"report": ""`)
	case "csv":
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil || len(rows) == 0 {
			t.Fatalf("csv: %v\n%s", err, out)
		}
		col := slices.Index(rows[0], "report")
		var b strings.Builder
		w := csv.NewWriter(&b)
		for i, r := range rows {
			if i > 0 {
				r[col] = ""
			}
			w.Write(r)
		}
		w.Flush()
		return b.String()
	}
	return out
}

var reportField = regexp.MustCompile(`"report": ?"[^"]*"`)
