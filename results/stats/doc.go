// Package stats computes the statistics sovbench reports for duration
// samples (results.Summary). It is the one place that does, and it does so
// only through github.com/montanaflynn/stats, so that the data model in
// package results stays free of it.
package stats
