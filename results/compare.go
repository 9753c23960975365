package results

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// LoadReports reads reports from files and from directories (recursively,
// *.json files that are reports).
func LoadReports(paths ...string) ([]*Report, error) {
	var out []*Report
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		if !fi.IsDir() {
			r, err := ReadReport(p)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".json") {
				return nil
			}
			r, err := ReadReport(path)
			if err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no reports found in %s", strings.Join(paths, ", "))
	}
	return out, nil
}

// CompareGrid puts providers side by side: rows are claims, columns are
// providers (the newest report of each), cells are verdict and key figure.
func CompareGrid(reps []*Report) Grid {
	latest := map[string]*Report{}
	for _, r := range reps {
		if cur, ok := latest[r.Provider.Name]; !ok || r.Started.After(cur.Started) {
			latest[r.Provider.Name] = r
		}
	}
	providers := make([]string, 0, len(latest))
	for p := range latest {
		providers = append(providers, p)
	}
	slices.Sort(providers)
	var keys []string
	seen := map[string]bool{}
	for _, p := range providers {
		for _, v := range latest[p].Verdicts {
			if !seen[v.Key()] {
				seen[v.Key()] = true
				keys = append(keys, v.Key())
			}
		}
	}
	g := Grid{Header: append([]string{"claim"}, providers...)}
	for _, k := range keys {
		row := []string{k}
		for _, p := range providers {
			row = append(row, cell(latest[p], k))
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// cell is the worst verdict of a claim across a report's targets.
func cell(r *Report, key string) string {
	rank := map[Status]int{StatusPass: 0, StatusInconclusive: 1, StatusError: 2, StatusFail: 3}
	var worst *Verdict
	for i := range r.Verdicts {
		v := &r.Verdicts[i]
		if v.Key() == key && (worst == nil || rank[v.Status] > rank[worst.Status]) {
			worst = v
		}
	}
	if worst == nil {
		return "—"
	}
	if worst.Figure == "" {
		return string(worst.Status)
	}
	return fmt.Sprintf("%s (%s)", worst.Status, worst.Figure)
}
