package results

// TPMDetails is the TPM evidence collected on the host. Owned by the TPM
// attestation family; values are unverified until attest.Verify accepts them.
type TPMDetails struct {
	Simulated bool `json:"simulated"`
}
