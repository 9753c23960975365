// Package scaffold writes a first suite for auditing a real provider from a
// few answers (Options): ssh targets, the probes of the chosen claim
// families with real-world destination lists and a landmark selection, and
// the claims those families can decide. "sovbench init" asks the questions;
// this package only turns the answers into YAML, which it checks by parsing
// it as a suite when the landmark file is there.
package scaffold
