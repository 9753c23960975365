// Package attest verifies TPM 2.0 attestation evidence. It is the pure
// half of sovbench's TPM support, the way go-tpm-tools separates server/
// from client/:
//
//   - attest (this package) never talks to a TPM. It links no TPM
//     simulator and needs no cgo (`CGO_ENABLED=0 go build ./attest`
//     works), so the offline verifier (package verify), the claims and the
//     verifier service can import it without pulling in a device. It must
//     not import attest/collect; check with
//     `go list -deps ./attest | grep -E 'simulator|go-tpm-tools/client'`
//     (empty).
//
//   - attest/collect needs a TPM: a Linux device, swtpm over TCP or the
//     in-process go-tpm-tools simulator (cgo). It creates an AK, activates
//     it, quotes, reads the event log (Open, Collect, Session) and plays
//     synthetic boots into software TPMs (BootProfile, Measure). It imports
//     this package for the shared vocabulary; only code that runs on the
//     attested machine (the tpm probe, tests) imports it.
//
// What lives here:
//
//   - Verify (verify.go) takes a results.TPMDetails and returns a *Platform
//     only after every check has passed (AK parameters and recorded
//     activation, quote signature, nonce, PCR digest, replay cache,
//     event-log replay against SHA-256 PCRs, EK certificate chain).
//     VerifyQuote is its hot path alone; PCRValues (NewPCRValues) are the
//     SHA-256 PCR values it checks, a fixed array and bit set that
//     Platform.PCRs keeps. Failures are typed errors
//     (*NonceMismatchError, *PCRMismatchError, *ReplayError,
//     *EKChainError, ...) to match with errors.As. RecordVerifier shapes it
//     for verify.Verifier.
//
//   - NewChallenge and ConfirmActivation (challenge.go) are the remote
//     verifier's half of activation: check the agent's EK and AK and
//     encrypt a secret to the EK for the AK, then compare the TPM's answer
//     carried in the evidence. The wire types of that round
//     (ActivationRequest, Challenge, and Activator, the function the
//     collector calls to reach a verifier) live here so that both sides
//     share them without the verifier linking the collector.
//
//   - QuoteNonce binds a verifier nonce and an evidence digest; RootStore
//     and GCERoots hold EK and AK certificate roots; OperatorFact reads
//     cloud AK certificates; ParseEventLog, EventsFromLog and
//     ReplayEventLog parse and replay measured-boot logs, and
//     EncodeEventLog writes one (for tests and collect.Measure);
//     ExportTpm2Tools writes a quote for tpm2_checkquote, an independent
//     verifier.
//
// # What the nonce proves
//
// The quote nonce is SHA-256(verifier nonce ‖ evidence digest). The
// evidence digest is computed by the caller over the rest of the report, so
// the TPM's signature covers that evidence: it cannot be swapped for other
// evidence after the quote. Freshness rests on the verifier nonce. When a
// remote verifier chose it, a quote cannot be older than the verifier's
// request. In a one-shot local run the harness is its own verifier and
// draws the nonce itself (VerifierSource "harness"): a later reader then
// learns that the quote was made after the evidence existed and by the key
// in this report, but must trust the harness (the report signer) that the
// nonce was fresh; nothing stops a dishonest harness from quoting early.
//
// # What activation proves
//
// Credential activation proves to the party that ran it that the AK lives
// in the same TPM as the EK. With a remote verifier (fleet's /v1/activate)
// that party is the verifier: it keeps the secret, the agent's TPM decrypts
// the challenge, and the verifier compares the answer in constant time and
// only then marks the record activated (results.ActivationVerifier) in the
// report it signs. In a one-shot local run the collector runs it in-process
// (results.ActivationLocal) and records the challenge, a SHA-256
// commitment to the secret and the returned secret. An offline re-verifier
// cannot redo activation (only the TPM can decrypt the challenge); it checks
// the AK's self-certified creation data (restricted, fixedTPM,
// TPM-generated, name matches) and that the recorded activation is complete
// and consistent. That is the challenger's testimony (collector or
// verifier), signed with the report, not a proof a third party can re-run.
// Cloud AK certificates (GCE, Azure), when present, are the exception: they
// chain to the operator's CA.
//
// # What a TPM is
//
// Platform.Classify decides it by endorsement alone: an EK chain to a root
// the RootStore tags as a TPM maker's makes it hardware, to a cloud
// operator's vTPM CA cloud-virtual, to a software TPM's CA software; no
// accepted chain leaves it unendorsed. The device path the collector
// opened and the maker strings the TPM reports about itself are the
// audited host's word: shown, never a reason (an swtpm behind a
// pseudo-terminal is a "device" to the collector). The collector's
// Simulated mark is believed only when set (it speaks against the
// provider's interest). The embedded EK CA bundle (BundledRoots,
// roots/SOURCE.md) names every anchor by the SHA-256 of its certificate,
// which is how reports record the anchors a verdict used. The trust model
// as a whole, in RFC 9334 roles, is docs/attestation.md. The package does
// not log.
package attest
