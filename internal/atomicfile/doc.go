// Package atomicfile writes files so that a crash leaves either the whole
// new file or the old one, never a part: reports, keys, certificates and
// exports all go through Write.
package atomicfile
