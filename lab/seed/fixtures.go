package seed

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sovbench/sovbench/lab"
)

// hostFS holds the host-identity fixture tree of every lab host
// (hosts/<provider>, named by lab.yaml's fixture: fields; see
// hosts/README.md). "all:" keeps the .sovbench/cpuid files.
//
//go:embed all:hosts
var hostFS embed.FS

// WriteLab writes the lab file and its host-identity fixture trees under
// dir (dir/lab.yaml, dir/hosts/<provider>/...) and parses the lab file
// there, so that every host's fixture path names a tree that exists. The
// demo calls it with a temporary directory; `sovbench lab up
// DIR/lab.yaml` brings the same lab up by hand.
func WriteLab(dir string) (*lab.Topology, error) {
	err := fs.WalkDir(hostFS, "hosts", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := hostFS.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		return nil, fmt.Errorf("writing the seed host fixtures: %w", err)
	}
	file := filepath.Join(dir, "lab.yaml")
	if err := os.WriteFile(file, labFile, 0o644); err != nil {
		return nil, fmt.Errorf("writing the seed lab file: %w", err)
	}
	return lab.Parse(file, labFile)
}
