package tee

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/results"
)

// ReportDataSize is the size of REPORT_DATA in both an SEV-SNP report and a
// TDX quote.
const ReportDataSize = 64

// ReportData is the REPORT_DATA a TEE report binds: attest.QuoteNonce
// (SHA-256(verifier nonce ‖ evidence digest), exactly the TPM quote's
// nonce) followed by 32 zero bytes.
func ReportData(verifierNonce, evidenceDigest []byte) [ReportDataSize]byte {
	var out [ReportDataSize]byte
	copy(out[:], attest.QuoteNonce(verifierNonce, evidenceDigest))
	return out
}

// Options configures Verify.
type Options struct {
	// VerifierNonce and EvidenceDigest are what the report data must bind.
	// An offline re-verifier passes the recorded nonce and the digest it
	// recomputed over the report (never only the recorded digest).
	VerifierNonce, EvidenceDigest []byte
	// TestRoots are roots of test signers (the lab's): a chain ending at
	// one verifies, but the Platform is TestSigned. Nil: only AMD's and
	// Intel's embedded roots.
	TestRoots *Roots
	// Now is when certificates and collateral are checked (default
	// time.Now()); a re-verifier passes the time the report was collected.
	Now time.Time
}

// Platform is what a verified TEE report says. Verify returns it only
// after every check has passed; every fact in it rests on the signature
// and chain named by Signer, Endorser and Root.
type Platform struct {
	// Kind is results.TEESEVSNP or results.TEETDX.
	Kind string `json:"kind"`
	// Signer is the key that signed: "VCEK" (one chip's key, derived from
	// its TCB), "VLEK" (a key AMD issued to a cloud provider) or "PCK"
	// (Intel's platform key certifying the TDX quoting enclave).
	Signer string `json:"signer"`
	// Endorser is whose word the facts rest on: "AMD", "AMD and cloud
	// provider <CSP_ID>" or "Intel"; for a test-signed report, the test root.
	Endorser string `json:"endorser"`
	// CSPID is the cloud provider a VLEK certificate names.
	CSPID string `json:"csp_id,omitempty"`
	// ChipID is the hex HWID a VCEK certificate names (one physical chip).
	ChipID string `json:"chip_id,omitempty"`
	// Product is the AMD product line (Milan, Genoa, Turin) or the Intel
	// platform's FMSPC.
	Product string `json:"product"`
	// Root is the subject of the root the chain ended at.
	Root string `json:"root"`
	// TestSigned: the chain ends at a test root (Options.TestRoots), not at
	// AMD's or Intel's; TestRoot names it.
	TestSigned bool   `json:"test_signed"`
	TestRoot   string `json:"test_root,omitempty"`
	// TCB is the firmware's security version as the signer vouches for it.
	TCB TCB `json:"tcb"`
	// TCBStatus is Intel's rating of a TDX platform's TCB from verified
	// collateral ("UpToDate"); "" when no collateral was recorded.
	TCBStatus string `json:"tcb_status,omitempty"`
	// Measurement is the launch measurement: SEV-SNP MEASUREMENT or TDX
	// MRTD (48 bytes each).
	Measurement []byte `json:"measurement"`
	// Debug: the guest can be debugged by the host (SEV-SNP policy DEBUG,
	// TDX TD_ATTRIBUTES.DEBUG), so its memory is not confidential.
	Debug bool `json:"debug"`
	// Policy describes the SEV-SNP guest policy or the TDX TD attributes.
	Policy string `json:"policy"`
}

// TCB is a TEE's trusted computing base version. SEV-SNP fills the four
// security patch levels of REPORTED_TCB (equal to the VCEK's); TDX fills
// TEETCBSVN (16 bytes, component-wise).
type TCB struct {
	Bootloader uint8  `json:"bootloader,omitempty"`
	TEE        uint8  `json:"tee,omitempty"`
	SNP        uint8  `json:"snp,omitempty"`
	Microcode  uint8  `json:"microcode,omitempty"`
	TEETCBSVN  []byte `json:"tee_tcb_svn,omitempty"`
}

// Word says whose word the platform's facts rest on, for a verdict.
func (p *Platform) Word() string {
	var key string
	switch p.Signer {
	case "VCEK":
		key = "VCEK of chip " + short(p.ChipID)
	case "VLEK":
		key = "VLEK for cloud provider " + p.CSPID
	default:
		key = "PCK, FMSPC " + p.Product
	}
	switch {
	case p.TestSigned:
		return fmt.Sprintf("a test signer's %s (root %s), not %s", key, p.TestRoot, vendorOf(p.Kind))
	case p.Signer == "VLEK":
		return "AMD and cloud provider " + p.CSPID + " (" + key + ")"
	}
	return vendorOf(p.Kind) + " (" + key + ")"
}

func vendorOf(kind string) string {
	if kind == results.TEETDX {
		return "Intel"
	}
	return "AMD"
}

func short(hexID string) string {
	if len(hexID) > 16 {
		return hexID[:16] + "…"
	}
	return hexID
}

// Verify checks TEE evidence offline and returns the platform facts only
// after every check has passed: the report parses; its signature verifies
// with the certificate it names; that certificate chains to AMD's (SEV-SNP:
// ARK → ASK/ASVK → VCEK/VLEK) or Intel's (TDX: root → PCK platform CA →
// PCK → QE report → attestation key) embedded root, or to a test root of
// o.TestRoots; REPORT_DATA binds o.VerifierNonce and o.EvidenceDigest; the
// report's TCB and chip agree with its certificate; recorded TDX collateral
// verifies and rates the TCB up to date. It never fetches anything and
// never panics on malformed input: every refusal is an *Error with a named
// Reason.
func Verify(d *results.TEEDetails, o Options) (p *Platform, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, refuse(ReasonInput, nil, "malformed evidence: %v", r)
		}
	}()
	if d == nil || len(d.Report) == 0 {
		return nil, refuse(ReasonInput, nil, "no TEE report")
	}
	if len(o.EvidenceDigest) != sha256.Size || len(o.VerifierNonce) < attest.MinVerifierNonce {
		return nil, refuse(ReasonInput, nil, "verifier nonce (%d bytes) or evidence digest (%d bytes) missing", len(o.VerifierNonce), len(o.EvidenceDigest))
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	want := ReportData(o.VerifierNonce, o.EvidenceDigest)
	switch d.Kind {
	case results.TEESEVSNP:
		return verifySNP(d, o, want[:])
	case results.TEETDX:
		return verifyTDX(d, o, want[:])
	}
	return nil, refuse(ReasonInput, nil, "unknown TEE kind %q", d.Kind)
}

// checkReportData compares the signed REPORT_DATA with the expected one.
func checkReportData(got, want []byte) error {
	if !bytes.Equal(got, want) {
		return refuse(ReasonReportData, nil, "REPORT_DATA %x… is not SHA-256(verifier nonce ‖ evidence digest) %x…: the report was made for other evidence or another run", head(got), head(want))
	}
	return nil
}

func head(b []byte) []byte {
	if len(b) > 8 {
		return b[:8]
	}
	return b
}
