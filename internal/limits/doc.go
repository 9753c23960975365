// Package limits bounds what sovbench reads: the size of every file (suite,
// lab file, destination and landmark lists, reports and signed envelopes,
// keys and certificates) and the counts a suite may ask for (probes,
// targets, destinations). Each bound has a documented default (Specs) and
// a name the command line raises it by: --limit NAME=VALUE.
//
// ReadFile is the one way a bounded file is read: it refuses a regular file
// larger than its bound before reading a byte, stops any other file (a
// device such as /dev/zero, a pipe) one byte past the bound, and gives up
// as soon as its context is cancelled, also while blocked on a pipe.
package limits
