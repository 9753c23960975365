package render

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/internal/testreport"
	"github.com/sovbench/sovbench/results/store"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run go test ./results/render -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./results/render -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestCompareGolden(t *testing.T) {
	// The sample reports are shared with the store and cmd tests; -update
	// rewrites them too.
	dir := filepath.Join("..", "testdata", "reports")
	if *update {
		os.RemoveAll(dir)
		for _, r := range []*results.Report{testreport.Clarence(), testreport.S3NS()} {
			if _, err := store.WriteReport(dir, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	reps, err := store.LoadReports(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 2 {
		t.Fatalf("LoadReports(%s) found %d reports, want 2", dir, len(reps))
	}
	for _, format := range Formats {
		t.Run("two reports as "+format, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteComparison(&b, CompareReports(reps), format, CompareOptions{}); err != nil {
				t.Fatal(err)
			}
			golden(t, "compare."+format, b.Bytes())
		})
	}
	t.Run("two reports in 60 columns", func(t *testing.T) {
		var b bytes.Buffer
		if err := WriteComparison(&b, CompareReports(reps), "text", CompareOptions{Text: TextOptions{Width: 60}}); err != nil {
			t.Fatal(err)
		}
		if w := maxLineWidth(b.String()); w > 60 {
			t.Errorf("%d columns wide, want ≤ 60:\n%s", w, b.String())
		}
		golden(t, "compare.60.text", b.Bytes())
	})
}

func TestVerdictsGolden(t *testing.T) {
	for _, format := range Formats {
		t.Run("verdicts as "+format, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteGrid(&b, Verdicts(testreport.Clarence()), format); err != nil {
				t.Fatal(err)
			}
			golden(t, "verdicts."+format, b.Bytes())
		})
	}
}

func TestShortHexKeepsShortRunsAndCutsLongOnes(t *testing.T) {
	m := strings.Repeat("9c", 48)
	for in, want := range map[string]string{
		"tee.measurement: {measurements: [" + m + "]}":                              "tee.measurement: {measurements: [9c9c9c9c9c9c9c9c…]}",
		"tee.required: {test_roots: [\"sha256:" + strings.Repeat("ab", 32) + "\"]}": "tee.required: {test_roots: [\"sha256:abababababababab…\"]}",
		"location.in: LU":                      "location.in: LU",
		"egress.blocked: [deadbeefdeadbeef01]": "egress.blocked: [deadbeefdeadbeef01]",
	} {
		if got := shortHex(in); got != want {
			t.Errorf("shortHex(%q) = %q, want %q", in, got, want)
		}
	}
}
