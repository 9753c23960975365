package results

import "slices"

// TEEDetails is confidential-VM hardware evidence: an AMD SEV-SNP
// attestation report or an Intel TDX quote, with the certificates (and, for
// TDX, the optional Intel PCS collateral) a verifier needs offline. Owned by
// the TEE attestation family. Every value here is UNVERIFIED until
// attest/tee.Verify accepts the record: the CPU's signature and the vendor's
// certificate chain decide, never the collector's labels.
type TEEDetails struct {
	// Kind is TEESEVSNP or TEETDX.
	Kind string `json:"kind"`
	// Source is the interface the report came from: "configfs-tsm"
	// (/sys/kernel/config/tsm/report), "/dev/sev-guest", "/dev/tdx_guest",
	// or "lab-fixture" (a test signer standing in for the CPU).
	Source string `json:"source"`
	// Provider is what configfs-tsm's provider attribute named
	// ("sev_guest", "tdx_guest"); empty for the device interfaces.
	Provider string `json:"provider,omitempty"`
	// TestSigned is the collector's label for a report a test signer made
	// (the lab). Display only: the verifier decides from the chain, and a
	// chain to a test root is test-signed whatever this says.
	TestSigned bool `json:"test_signed,omitempty"`
	// Report is the raw SEV-SNP ATTESTATION_REPORT (1184 bytes) or the raw
	// TDX quote (version 4, its PCK chain inside).
	Report []byte `json:"report"`
	// Certs are the SEV-SNP certificates the report needs (VCEK or VLEK,
	// ASK or ASVK, ARK), from the extended report's certificate table or a
	// local cache; TDX quotes carry their PCK chain inside.
	Certs []TEECert `json:"certs,omitempty"`
	// Collateral are Intel PCS responses recorded for a TDX quote (TCB
	// info, QE identity, CRLs), fetched only when the suite asked for it;
	// the verifier reads them, never the network.
	Collateral []TEECollateral `json:"collateral,omitempty"`
	// Nonce holds the inputs of the report data, the same as a TPM quote's
	// nonce: REPORT_DATA = SHA-256(Verifier ‖ EvidenceDigest) ‖ 32 zero bytes.
	Nonce TPMNonce `json:"nonce"`
}

// TEE kinds of TEEDetails.Kind.
const (
	TEESEVSNP = "sev-snp"
	TEETDX    = "tdx"
)

// TEECert is one certificate of a TEE report's chain.
type TEECert struct {
	// Role is "vcek", "vlek", "ask", "asvk" or "ark".
	Role string `json:"role"`
	DER  []byte `json:"der"`
	// From says where the collector found it: "extended report", "cache
	// <path>" or "AMD KDS" (fetched only when the suite asked for it).
	From string `json:"from,omitempty"`
}

// HasCertRole reports whether certs hold a certificate in any of roles.
func HasCertRole(certs []TEECert, roles ...string) bool {
	for _, c := range certs {
		if slices.Contains(roles, c.Role) {
			return true
		}
	}
	return false
}

// TEECollateral is one recorded Intel PCS response, replayed to the
// verifier by URL.
type TEECollateral struct {
	URL    string              `json:"url"`
	Header map[string][]string `json:"header,omitempty"`
	Body   []byte              `json:"body"`
}
