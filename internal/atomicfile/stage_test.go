package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteBatchWritesEveryFileInPlace(t *testing.T) {
	root := t.TempDir()
	var files []File
	for i := range 6 {
		dir := filepath.Join(root, fmt.Sprintf("d%d", i%2)) // two directories, made on the way
		files = append(files, File{Path: filepath.Join(dir, fmt.Sprintf("f%d.json", i)), Data: []byte(fmt.Sprintf("file %d", i)), Perm: 0o640})
	}
	for i, err := range WriteBatch(files) {
		if err != nil {
			t.Fatalf("file %d: %v", i, err)
		}
	}
	for _, f := range files {
		got, err := os.ReadFile(f.Path)
		if err != nil || string(got) != string(f.Data) {
			t.Errorf("%s: %q, %v; want %q", f.Path, got, err, f.Data)
		}
		fi, err := os.Stat(f.Path)
		if err != nil || fi.Mode().Perm() != 0o640 {
			t.Errorf("%s: mode %v, %v; want 0640", f.Path, fi.Mode(), err)
		}
	}
	for _, d := range []string{"d0", "d1"} {
		ents, _ := os.ReadDir(filepath.Join(root, d))
		for _, e := range ents {
			if IsTemporary(e.Name()) {
				t.Errorf("temporary file %s left behind", e.Name())
			}
		}
	}
}

func TestWriteBatchFailsOnlyTheFilesThatCannotBeWritten(t *testing.T) {
	root := t.TempDir()
	blocker := filepath.Join(root, "not-a-dir")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	files := []File{
		{Path: filepath.Join(root, "ok-1"), Data: []byte("1"), Perm: 0o600},
		{Path: filepath.Join(blocker, "x"), Data: []byte("2"), Perm: 0o600},  // its directory is a file
		{Path: filepath.Join(root, "a-dir"), Data: []byte("3"), Perm: 0o600}, // a non-empty directory: rename fails
		{Path: filepath.Join(root, "ok-2"), Data: []byte("4"), Perm: 0o600},
	}
	if err := os.MkdirAll(filepath.Join(files[2].Path, "inside"), 0o755); err != nil { // renaming a file over a non-empty directory fails
		t.Fatal(err)
	}
	errs := WriteBatch(files)
	for i, want := range []bool{true, false, false, true} {
		if (errs[i] == nil) != want {
			t.Errorf("file %d (%s): error %v, want success %v", i, files[i].Path, errs[i], want)
		}
	}
	if errs[1] != nil && !strings.Contains(errs[1].Error(), blocker) {
		t.Errorf("error %q does not name %s", errs[1], blocker)
	}
	ents, _ := os.ReadDir(root)
	for _, e := range ents {
		if IsTemporary(e.Name()) {
			t.Errorf("failed write left %s", e.Name())
		}
	}
	for _, i := range []int{0, 3} {
		if got, _ := os.ReadFile(files[i].Path); string(got) != string(files[i].Data) {
			t.Errorf("%s: %q", files[i].Path, got)
		}
	}
}
