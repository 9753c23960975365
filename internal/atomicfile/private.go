package atomicfile

import (
	"fmt"
	"os"
)

// PrivateDB makes an SQLite database file at path readable and writable by
// its owner only, before the database is opened: it creates the file empty
// with mode 0600 when it is missing (SQLite gives its -wal and -shm files
// the database file's mode), and takes group and other permissions off the
// file and its -wal and -shm files when they exist.
func PrivateDB(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("checking %s: %w", p, err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, fi.Mode().Perm()&0o700); err != nil {
				return fmt.Errorf("making %s private: %w", p, err)
			}
		}
	}
	return nil
}
