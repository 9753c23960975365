// Package seed is the seed demo: the systems in the seeds (Clarence, S3NS,
// Bleu, Clever Cloud, Azure EU, a Project Clover-like replication leak and an
// analytics leak, plus a US hyperscaler's EU region for contrast) as
// providers of an embedded lab, and the seed suites
// (disconnected, trusted-cloud, eu-residency, no-foreign-replication,
// no-third-party-telemetry, jurisdiction) as templates bound to each of them.
//
// Run brings the lab up, runs every suite against every provider and tears
// the lab down; it needs root (network namespaces). The expected verdict of
// every suite × provider × claim, the lab's ground truth, is in
// testdata/expected.yaml and checked by the QA catalogue test.
package seed
