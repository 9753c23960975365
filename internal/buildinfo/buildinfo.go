package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Link-time stamps (see the package comment).
var (
	version  = "0.1.0-dev"
	commit   = ""
	date     = ""
	modified = ""
)

// Info is what a binary knows about its own build.
type Info struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Commit is the source revision, "" when the binary does not know it.
	Commit string `json:"commit"`
	// Modified is set when the tree had uncommitted changes at build time.
	Modified  bool   `json:"modified,omitempty"`
	BuildDate string `json:"build_date"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

// Read returns the build of this binary, named name: the link-time stamps,
// completed from the Go build information where they are empty.
func Read(name string) Info {
	b := Info{Name: name, Version: version, Commit: commit, BuildDate: date, Modified: modified == "true",
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision" && b.Commit == "":
			b.Commit = s.Value
		case s.Key == "vcs.time" && b.BuildDate == "":
			b.BuildDate = s.Value
		case s.Key == "vcs.modified" && commit == "":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// Text is the build in a few aligned lines, as "version" prints it.
func (b Info) Text() string {
	c := b.Commit
	switch {
	case c == "":
		c = "unknown (not a release build: scripts/release stamps it)"
	case b.Modified:
		c += " (with uncommitted changes)"
	}
	d := b.BuildDate
	if d == "" {
		d = "unknown"
	}
	return fmt.Sprintf("%s %s\ncommit:  %s\nbuilt:   %s\ngo:      %s %s\n", b.Name, b.Version, c, d, b.GoVersion, b.Platform)
}

// Set replaces the link-time stamps and returns a function that restores
// them: for tests of the commands that print them.
func Set(v, c, d string, mod bool) (restore func()) {
	saved := [4]string{version, commit, date, modified}
	version, commit, date, modified = v, c, d, ""
	if mod {
		modified = "true"
	}
	return func() { version, commit, date, modified = saved[0], saved[1], saved[2], saved[3] }
}
