// Package probes holds every probe sovbench runs on a target host: one file
// per probe kind, the Probe contract, the dispatch map that names each kind
// once, and the one classifier that turns Go errors into failure classes.
//
// A probe's error return means only "could not run at all" (bad parameters,
// missing privilege). Everything the network or the host did, including
// timeouts and refusals, is recorded in the returned evidence, OONI style.
package probes
