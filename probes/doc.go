// Package probes is the probe contract and everything about a probe kind
// that is pure data: the Probe, Binder and FixtureReader interfaces, the
// Target a probe runs on, the Recorder that stamps evidence, the one
// classifier that turns Go errors into failure classes, the kind table
// (name, version, doc, BindsEvidence, parameters) and every kind's typed
// parameters with their defaults and validation, one place per kind.
// Validation reads the files parameters name (destination lists, CA
// files), on the host that validates; nothing here opens a socket or a
// device.
//
// Suite loading and offline verification import only this package; the
// implementations live in one sub-package per family (egress, host, rtt,
// controlplane, tpm, jurisdiction) and are built from their parameters by
// the constructor table in probes/kinds, which only the side that runs
// probes imports. Data that claims need about a family (IMDS flavour names,
// operator names, the operator registry, LocationOf) lives here too.
//
// A probe's error return means only "could not run at all" (bad parameters,
// missing privilege). Everything the network or the host did, including
// timeouts and refusals, is recorded in the returned evidence, OONI style.
package probes
