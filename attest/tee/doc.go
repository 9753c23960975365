// Package tee verifies confidential-VM hardware evidence offline: AMD
// SEV-SNP attestation reports and Intel TDX quotes. It is pure like its
// parent attest: no device, no cgo, no network (`go list -deps` shows no
// go-sev-guest or go-tdx-guest client, no configfs); collection lives in
// attest/tee/collect and the lab's test signer in attest/tee/testsign.
//
// Verify (tee.go) returns a *Platform only after every check has passed,
// through go-sev-guest (verify, validate) and go-tdx-guest (verify) with
// fetching disabled:
//
//   - SEV-SNP: the report is signed (ECDSA P-384) by the VCEK or VLEK whose
//     certificate the evidence carries; that certificate chains through the
//     ASK (VCEK) or ASVK (VLEK) to AMD's ARK for the report's product line,
//     as embedded in go-sev-guest (an ARK in the evidence is never a root);
//     the report's CHIP_ID is the VCEK's HWID and its REPORTED_TCB the
//     certificate's TCB.
//   - TDX: the quote body is signed by the attestation key, which the
//     quoting enclave's report binds; that report is signed by the PCK,
//     whose chain ends at Intel's SGX Root CA (roots/). Recorded Intel PCS
//     collateral (TCB info, QE identity, CRLs), if any, is replayed to
//     go-tdx-guest by URL and must rate the TCB up to date.
//   - Both: REPORT_DATA is ReportData(verifier nonce, evidence digest), the
//     TPM quote's nonce (attest.QuoteNonce) followed by 32 zero bytes.
//
// # Whose word
//
// A VCEK is derived by the chip from its own secrets and TCB: AMD vouches
// for one physical chip (HWID) at one firmware version, and the platform's
// facts rest on AMD alone. A VLEK is a key AMD issued to a cloud provider,
// which loads it into its machines: the certificate names the provider
// (CSP_ID), not a chip, so the facts rest on AMD and that provider. A TDX
// quote rests on Intel (the PCK certifies one platform's quoting enclave).
// Platform.Word says this for verdicts.
//
// # Test roots
//
// The lab cannot ask a CPU to sign. Its test signer (attest/tee/testsign)
// builds an AMD- or Intel-shaped chain under a root of its own and signs
// reports for the run's nonce. Such a chain verifies only against
// Options.TestRoots and the Platform then says TestSigned: claims keep it
// inconclusive unless a suite allows test roots, and it never passes as
// AMD's or Intel's word.
//
// # Limits
//
// The binding proves the report was made for this run's nonce and
// evidence, on a machine whose CPU vendor signed it. It does not prove the
// other probes ran inside that confidential VM: a host could relay the
// request to a genuine confidential VM elsewhere. The measurement and the
// endorsement say which VM image and whose hardware; location rests on the
// round-trip evidence. Revocation (AMD's and Intel's CRLs) is checked only
// from recorded collateral (TDX); AMD's CRL is never fetched here.
// The package does not log.
package tee
