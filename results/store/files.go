package store

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sovbench/sovbench/results"
)

// LoadReports reads reports from files and from directories (recursively:
// every non-hidden *.json file, skipping testdata directories below the
// roots). A file that is not a valid report is an error naming that file.
func LoadReports(paths ...string) ([]*results.Report, error) {
	var out []*results.Report
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
		files, err := reportFiles(p)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			r, err := ReadReport(f)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no reports found in %s", strings.Join(paths, ", "))
	}
	return out, nil
}

// reportFiles lists the report files under dir in lexical order. Hidden
// files and directories (temporary files of an interrupted write among
// them) and testdata directories below dir are skipped.
func reportFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("listing reports in %s: %w", dir, err)
		}
		if d.IsDir() {
			if path != dir && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && isReportName(d.Name()) {
			files = append(files, path)
		}
		return nil
	})
	return files, err
}
