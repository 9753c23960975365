// Package results holds sovbench's data model: the versioned Report, the
// Evidence records probes produce, the Verdicts claims evaluate to, and the
// code that stores, indexes, summarises and tabulates them.
//
// results imports nothing else of sovbench: every other package depends on it,
// never the other way round. It does not log.
package results
