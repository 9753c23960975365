// Package atlastest is a fake RIPE Atlas API for tests: an HTTPS server on
// loopback that serves anchor list pages (recorded pages in the API's
// format, testdata/, or pages built from a test's own anchors) and runs
// one-off ping measurements through a function the test supplies (the lab
// tests ping from network namespaces). It can answer with the API's faults:
// HTTP 429 with Retry-After, a malformed page, a measurement still running,
// a missing or wrong API key.
//
// It listens on 127.0.0.1 only; nothing it does dials anything.
package atlastest
