package store

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/internal/testreport"
)

// benchDir writes n reports into a new results directory.
func benchDir(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	for i := range n {
		if _, err := WriteReport(dir, testreport.Variant(testreport.Clarence(), i)); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkIndexAdd is the index work `sovbench run` adds to a run.
func BenchmarkIndexAdd(b *testing.B) {
	dir := b.TempDir()
	x, err := OpenIndex(b.Context(), dir)
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	r := testreport.Clarence()
	p, err := WriteReport(dir, r)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := x.Add(b.Context(), p, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIndexSyncUnchanged is what compare pays to use an up-to-date
// index of 1000 reports (a directory walk and a stat per file).
func BenchmarkIndexSyncUnchanged(b *testing.B) {
	dir := benchDir(b, 1000)
	x, err := OpenIndex(b.Context(), dir)
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	if _, err := x.Sync(b.Context()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if st, err := x.Sync(b.Context()); err != nil || st.Added != 0 {
			b.Fatal(st, err)
		}
	}
}

// BenchmarkIndexRebuild reads and indexes 1000 reports.
func BenchmarkIndexRebuild(b *testing.B) {
	dir := benchDir(b, 1000)
	x, err := OpenIndex(b.Context(), dir)
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	for b.Loop() {
		if st, err := x.Rebuild(b.Context()); err != nil || st.Added != 1000 {
			b.Fatal(st, err)
		}
	}
}

func FuzzReadReport(f *testing.F) {
	good, _ := WriteReport(f.TempDir(), testreport.Clarence())
	if b, err := os.ReadFile(good); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"schema": "sovbench.report/v2", "run_id": 5}`))
	f.Add([]byte("{\n\"status\": [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join("x", "report.json")
		r, err := decodeReport(path, data)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
			return
		}
		if r.Schema != results.Schema || r.RunID == "" {
			t.Errorf("accepted a report with schema %q and run id %q", r.Schema, r.RunID)
		}
	})
}

func FuzzReadJSONL(f *testing.F) {
	f.Add([]byte(`{"run_id":"a","verdicts":[{"claim":"c","status":"pass"}]}` + "\n"))
	f.Add([]byte("{\"run_id\":\"a\"}\n{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		runs, err := ReadJSONL(bytes.NewReader(data), "in.jsonl")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "decoding in.jsonl:") && !strings.HasPrefix(err.Error(), "reading in.jsonl") {
				t.Errorf("error %q does not name the input and line", err)
			}
			return
		}
		for i, r := range runs {
			if r.RunID == "" {
				t.Errorf("run %d has no run id", i)
			}
		}
	})
}
