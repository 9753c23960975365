// Package tee is the confidential-VM attestation probe: it asks the guest's
// TEE (AMD SEV-SNP or Intel TDX, through attest/tee/collect) for a hardware
// report and records it with the certificates the verifier needs. It is a
// probes.Binder (its kind says BindsEvidence): bound, the report's
// REPORT_DATA is attest/tee.ReportData of the verifier's nonce and the digest
// of the rest of the target's evidence, the TPM quote's nonce. It is a
// probes.FixtureReader: on a lab host the fixture's test signer
// (<fixture>/.sovbench/tee, attest/tee/testsign) stands in for the CPU, and
// a lab host without one has no TEE (the namespace never reaches the real
// machine's). Its parameters are probes.TEEParams; the step's timeout bounds
// the whole collection.
package tee
