// Package seed is the seed demo: the systems in the seeds (Clarence, S3NS,
// Bleu, Clever Cloud, Azure EU, a Project Clover-like replication leak and an
// analytics leak, plus a US hyperscaler's EU region for contrast) as
// providers of an embedded lab (lab.yaml, with a host-identity fixture tree
// per host under hosts/), and the seed suites of scenarios/seed bound to
// each of them; and the location QA (hostile.go): providers that lie about
// their network next to honest twins, which run only HostileSuite.
//
// Run brings the lab up, runs every suite against every provider and tears
// the lab down; it needs root (network namespaces). The expected verdict of
// every suite × provider × claim, the lab's ground truth, is in
// testdata/expected.yaml and checked by the QA catalogue test.
//
// It lives under lab/, not beside the suite templates: binding a suite to a
// provider needs the running lab (addresses, CA, namespaces, software TPMs),
// and scenarios/ must not import the lab.
package seed
