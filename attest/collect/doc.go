// Package collect is the collecting half of sovbench's TPM support (the
// verifying half is package attest, which this package imports; never the
// other way round). It needs a TPM and runs on the attested machine, like
// go-tpm-tools' client/.
//
// Open reaches a TPM: a Linux device (/dev/tpmrm0, /dev/tpm0), swtpm over
// TCP on loopback ("swtpm://127.0.0.1:2321", see attest/swtpm) or the
// in-process simulator from go-tpm-tools ("simulator"). The simulator is C
// code built with cgo, which is why it lives here and not in attest: a
// verifier must be able to link the checks without it.
//
// Collect creates a fresh attestation key (AK), runs credential activation
// against the endorsement key (EK) — locally with the collector acting as
// verifier, or answering a remote verifier's challenge (Request.Activate,
// an attest.Activator) — quotes the SHA-256 PCR bank with nonce
// attest.QuoteNonce(verifierNonce, evidenceDigest) and reads the
// measured-boot event log. The result is a results.TPMDetails holding raw
// TPM structures; it is UNVERIFIED until attest.Verify has checked it.
// Session splits the same steps (Begin, ActivateLocal or Answer, Quote) for
// callers that talk to the verifier in between.
//
// BootProfile and Device.Measure play a synthetic measured boot into a
// fresh software TPM (the lab, the demo, tests), so that its event log
// replays against real quoted PCRs. Evidence from the simulator and swtpm
// is always labelled Simulated. The package does not log.
package collect
