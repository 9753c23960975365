// Package landmarks is the landmark file: a dated list of servers with
// published coordinates (RIPE Atlas anchors, as "sovbench landmarks fetch"
// writes it), with where it came from, when, and the SHA-256 a suite pins
// it by; and the selection rules a suite names landmarks by (the nearest N
// to a place, N per country, far controls).
//
// A landmark file is JSON (Set). It may be signed like a report: a DSSE
// envelope over an in-toto statement whose predicate is the Set
// (predicateType PredicateType). Read accepts either form and checks the
// landmarks against the digest the file states; it does NOT check a
// signature (sovbench landmarks verify does, with results/sign). A suite
// that pins the digest (Selection.SHA256) is protected from a swapped file
// either way.
//
// The package is pure: no network, no signing library; it reads the files
// a suite names when the suite is validated.
package landmarks
