// Package atomicfile writes files so that a crash leaves either the whole
// new file or the old one, never a part: reports, keys, certificates and
// exports all go through Write.
//
// A crash (kill -9, power loss) mid-write can leave the hidden temporary
// file (".name.tmp-NNNNNNNNNN") behind. It never looks like a finished file
// (IsTemporary), and RemoveLeftovers, which every Write calls for its
// directory, removes it. Writes hold a shared flock on their directory
// while their temporary file exists; RemoveLeftovers removes only when it
// gets the exclusive lock, so a write under way is never disturbed.
package atomicfile
