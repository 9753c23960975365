package results

// TPMDetails is the TPM evidence collected on the host: everything a verifier
// needs to re-check the attestation offline, as raw TPM structures. Owned by
// the TPM attestation family. Every value here is UNVERIFIED until
// attest.Verify accepts the record; the readable fields (Manufacturer,
// Firmware, Clock) are copies for display and are re-derived from signed data
// by the verifier.
type TPMDetails struct {
	// Source is where the TPM was opened: "/dev/tpmrm0", "swtpm://127.0.0.1:2321",
	// "simulator".
	Source string `json:"source"`
	// Kind is how the collector reached the TPM: "device", "swtpm" or
	// "simulator". It is the collector's claim; hardware is proven only by the
	// EK certificate chain.
	Kind string `json:"kind"`
	// Simulated is true for the in-process simulator and swtpm. A simulated
	// TPM never passes a hardware claim.
	Simulated bool `json:"simulated"`

	Manufacturer TPMManufacturer `json:"manufacturer"`
	// VendorInfo is TPM_PT_VENDOR_STRING_1..4.
	VendorInfo string `json:"vendor_info,omitempty"`
	// Firmware is TPM_PT_FIRMWARE_VERSION_1 as "major.minor".
	Firmware string `json:"firmware,omitempty"`

	// EKs are the endorsement keys with their certificates from NV.
	EKs []TPMEK `json:"eks,omitempty"`
	// AKCerts are cloud-provisioned AK certificates found in NV (GCE, Azure).
	AKCerts []TPMCert `json:"ak_certs,omitempty"`
	// AK is the fresh attestation key of this run.
	AK TPMAK `json:"ak"`
	// Activation records the credential activation the collector witnessed.
	Activation TPMActivation `json:"activation"`

	// Nonce holds the inputs of the quote nonce.
	Nonce TPMNonce `json:"nonce"`
	// Quotes are TPM2_Quote results (normally one, over the SHA-256 bank).
	Quotes []TPMQuote `json:"quotes,omitempty"`
	// PCRs are the PCR values read right after the quote.
	PCRs []TPMPCR `json:"pcrs,omitempty"`
	// Clock is the TPM clock from the first quote (display copy).
	Clock TPMClock `json:"clock"`

	// EventLog is the raw measured-boot event log (TCG PC Client format).
	EventLog []byte `json:"event_log,omitempty"`
	// EventLogSource is the file it came from, or "none".
	EventLogSource string `json:"event_log_source,omitempty"`
}

// TPMManufacturer is TPM_PT_MANUFACTURER, raw and mapped by a table.
type TPMManufacturer struct {
	ID    uint32 `json:"id"`    // e.g. 0x49465800
	ASCII string `json:"ascii"` // e.g. "IFX"
	Name  string `json:"name"`  // e.g. "Infineon"
}

// TPMEK is one endorsement key: public key (PKIX DER) and its certificate.
type TPMEK struct {
	Algorithm string `json:"algorithm"` // rsa, ecc
	Public    []byte `json:"public"`    // PKIX DER
	// Certificate is the DER certificate read from NV, absent on simulators.
	Certificate []byte `json:"certificate,omitempty"`
	NVIndex     uint32 `json:"nv_index,omitempty"`
	// CertificateURL is where the manufacturer publishes the certificate
	// when it is not in NV (Intel, AMD firmware TPMs).
	CertificateURL string `json:"certificate_url,omitempty"`
}

// TPMCert is a certificate read from a TPM NV index.
type TPMCert struct {
	NVIndex     uint32 `json:"nv_index"`
	Label       string `json:"label"` // gce-ak-rsa, gce-ak-ecc, azure-ak
	Certificate []byte `json:"certificate"`
}

// TPMAK is the attestation key: TPMT_PUBLIC and the self-certified creation
// (TPMS_CREATION_DATA, TPMS_ATTEST, TPMT_SIGNATURE).
type TPMAK struct {
	Public            []byte `json:"public"`
	CreateData        []byte `json:"create_data"`
	CreateAttestation []byte `json:"create_attestation"`
	CreateSignature   []byte `json:"create_signature"`
}

// TPMActivation is a credential activation: a secret encrypted to EK
// EKIndex for the AK's name, and what the TPM returned. A later verifier
// cannot redo it (only the TPM can decrypt); it can check that the returned
// secret matches the commitment and that whoever challenged reported success.
//
// Mode says who challenged. ActivationLocal (or "" in older reports): the
// collector played both roles in-process, so Activated is the collector's
// testimony. ActivationVerifier: a remote verifier (Verifier names it)
// encrypted the challenge ChallengeID and compared the returned secret with
// its own; the collector records Activated false and no Commitment, and
// only the verifier, after its constant-time comparison, sets them and
// VerifierKey, the id of the key it signs the report with, in the report it
// signs. A verifier key other than the report's signer is a forgery.
type TPMActivation struct {
	Mode     string `json:"mode,omitempty"`
	Verifier string `json:"verifier,omitempty"`
	// VerifierKey is the key id (hex SHA-256 of the SPKI) of the verifier
	// that confirmed a remote activation.
	VerifierKey string `json:"verifier_key,omitempty"`
	ChallengeID string `json:"challenge_id,omitempty"`
	EKIndex     int    `json:"ek_index"`
	// AKName is the TPM name of the AK the credential was made for.
	AKName     []byte `json:"ak_name,omitempty"`
	Credential []byte `json:"credential,omitempty"`
	Secret     []byte `json:"secret,omitempty"` // the encrypted seed
	// Commitment is SHA-256 of the secret, fixed before activation.
	Commitment []byte `json:"commitment,omitempty"`
	// Returned is the secret ActivateCredential returned.
	Returned  []byte `json:"returned,omitempty"`
	Activated bool   `json:"activated"`
}

// Activation modes of TPMActivation.Mode.
const (
	ActivationLocal    = "local"
	ActivationVerifier = "verifier"
)

// TPMNonce holds the inputs of the quote nonce:
// SHA-256(Verifier ‖ EvidenceDigest).
type TPMNonce struct {
	Verifier []byte `json:"verifier"`
	// VerifierSource says who chose Verifier: "harness" in a one-shot run,
	// "remote" when a separate verifier sent it.
	VerifierSource string `json:"verifier_source"`
	EvidenceDigest []byte `json:"evidence_digest"`
}

// TPMQuote is one TPM2_Quote: TPMS_ATTEST and its TPMT_SIGNATURE.
type TPMQuote struct {
	Bank      string `json:"bank"` // sha256
	Quote     []byte `json:"quote"`
	Signature []byte `json:"signature"`
}

// TPMPCR is one PCR value.
type TPMPCR struct {
	Bank   string `json:"bank"`
	Index  int    `json:"index"`
	Digest []byte `json:"digest"`
}

// TPMClock is TPMS_CLOCK_INFO.
type TPMClock struct {
	ClockMS      uint64 `json:"clock_ms"`
	ResetCount   uint32 `json:"reset_count"`
	RestartCount uint32 `json:"restart_count"`
	Safe         bool   `json:"safe"`
}
