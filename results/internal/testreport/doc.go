// Package testreport holds the reports the tests of results and its
// sub-packages share: one with every kind of evidence the renderers and the
// signer handle, and two lab runs the compare and index tests use.
package testreport
