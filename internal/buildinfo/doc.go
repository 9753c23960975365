// Package buildinfo says which build a binary is: version, commit, build
// date and Go version. scripts/release stamps them at link time into both
// commands (sovbench and sovbench-agent):
//
//	-ldflags "-X github.com/sovbench/sovbench/internal/buildinfo.version=v0.2.0
//	          -X github.com/sovbench/sovbench/internal/buildinfo.commit=<sha>
//	          -X github.com/sovbench/sovbench/internal/buildinfo.date=<RFC 3339>
//	          -X github.com/sovbench/sovbench/internal/buildinfo.modified=true"
//
// (modified only for a tree with uncommitted changes). A plain "go build"
// leaves them empty; the Go toolchain's VCS stamping (when not disabled
// with -buildvcs=false) fills the commit and date instead.
package buildinfo
