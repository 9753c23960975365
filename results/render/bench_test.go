package render

import (
	"bytes"
	"testing"

	"github.com/sovbench/sovbench/results/internal/testreport"
	"github.com/sovbench/sovbench/results/store"
)

// benchDir writes n reports into a new results directory.
func benchDir(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	for i := range n {
		if _, err := store.WriteReport(dir, testreport.Variant(testreport.Clarence(), i)); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkCompareFromIndex reads 1000 runs from the index and tabulates them.
func BenchmarkCompareFromIndex(b *testing.B) {
	dir := benchDir(b, 1000)
	x, err := store.OpenIndex(b.Context(), dir)
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	if _, err := x.Sync(b.Context()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		runs, err := x.Runs(b.Context())
		if err != nil || len(runs) != 1000 {
			b.Fatal(len(runs), err)
		}
		var out bytes.Buffer
		if err := WriteComparison(&out, CompareRuns(runs), "text", CompareOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompareFromFiles reads the same 1000 reports from their files.
func BenchmarkCompareFromFiles(b *testing.B) {
	dir := benchDir(b, 1000)
	for b.Loop() {
		reps, err := store.LoadReports(dir)
		if err != nil || len(reps) != 1000 {
			b.Fatal(len(reps), err)
		}
		var out bytes.Buffer
		if err := WriteComparison(&out, CompareReports(reps), "text", CompareOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
