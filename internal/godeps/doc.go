// Package godeps lists what a package links, for the tests that hold each
// part of the import graph to its design (the slim agent, the pure
// verifier, the data model).
package godeps
