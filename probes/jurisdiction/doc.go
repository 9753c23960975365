// Package jurisdiction is the jurisdiction probe: it records the chain of
// control of the suite's operator of record from the operator registry
// (probes.OperatorRegistry), with the registry's version and digest. It
// measures nothing on the host.
package jurisdiction
