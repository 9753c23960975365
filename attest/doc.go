// Package attest collects and verifies TPM 2.0 attestation evidence.
//
// It has two halves that never mix:
//
//   - Collect (collect.go, session.go, open.go) needs a TPM: a Linux device
//     (/dev/tpmrm0, /dev/tpm0), swtpm over TCP ("swtpm://127.0.0.1:2321") or
//     the in-process simulator from go-tpm-tools ("simulator"). It creates a
//     fresh attestation key (AK), runs credential activation against the
//     endorsement key (EK) — locally with the collector acting as verifier,
//     or answering a remote verifier's challenge (Request.Activate) — quotes
//     the SHA-256 PCR bank with nonce QuoteNonce(verifierNonce,
//     evidenceDigest) and reads the measured-boot event log. The result is a
//     results.TPMDetails holding raw TPM structures. Session splits the same
//     steps (Begin, ActivateLocal or Answer, Quote) for callers that talk to
//     the verifier in between.
//
//   - NewChallenge and ConfirmActivation (challenge.go) are the remote
//     verifier's half of activation, pure like Verify: check the agent's EK
//     and AK and encrypt a secret to the EK for the AK, then compare the
//     TPM's answer carried in the evidence.
//
//   - Verify (verify.go) is pure: it takes a results.TPMDetails and returns
//     a *Platform only after every check has passed (AK parameters and
//     recorded activation, quote signature, nonce, PCR digest, event-log
//     replay against SHA-256 PCRs, EK certificate chain). Failures are typed
//     errors (*NonceMismatchError, *PCRMismatchError, *ReplayError,
//     *EKChainError, ...) to match with errors.As.
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
// # Simulated TPMs
//
// The in-process simulator and swtpm are always labelled Simulated, and
// their EK certificates (none, or swtpm's local CA) never make a hardware
// TPM: Platform.Hardware needs a valid EK chain to a root that the RootStore
// does not mark as software, and a manufacturer that is not a known
// software TPM. The package does not log.
package attest
