// Package verify re-checks a signed report offline: the DSSE signature
// against trusted keys, the in-toto subjects' digests against the evidence
// records, the TPM binding (each quote's nonce commits to this report's
// evidence) and every verdict, re-evaluated from the evidence with the suite
// embedded in the report.
//
// It is its own package because it is the one place that joins the three
// halves: signing lives in results (which imports nothing of ours), claim
// evaluation in scenarios and TPM verification in attest. cmd/sovbench's
// verify and compare commands and the benchmark call it.
//
// Like go-tpm-tools' VerifyAttestation, a Result hands out its report only
// when every check passed (Result.Report), so unverified content cannot be
// used by mistake. The package does not log.
package verify
