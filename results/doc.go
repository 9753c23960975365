// Package results holds sovbench's data model: the versioned Report, the
// Evidence records probes produce (one typed details struct per probe
// family), the Verdicts claims evaluate to, Failure classes, Duration, the
// Summary of duration samples and the evidence digest a TPM quote binds.
//
// results imports nothing else of sovbench and no storage, signing,
// rendering or statistics library: every other package depends on it, never
// the other way round. It does not log. Its sub-packages do the rest:
// store (report files, run records, the run index), sign (keys, DSSE
// envelope, in-toto statement), render (tables, compare, Markdown, HTML)
// and stats (Summarize).
package results
