package collect

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"io"
	"os"

	ga "github.com/google/go-attestation/attest"
	"github.com/google/go-tpm/legacy/tpm2"
	"github.com/google/go-tpm/tpmutil"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/results"
)

// NV indices of certificates the collector reads (TCG EK Credential Profile,
// GCE and Azure vTPM documentation).
const (
	nvEKCertRSA    = 0x01c00002
	nvEKCertECC    = 0x01c0000a
	nvEKCertECC384 = 0x01c00016
	nvGCEAKCertRSA = 0x01c10000
	nvGCEAKCertECC = 0x01c10002
	nvAzureAKCert  = 0x01c101d0
)

var akCertIndices = []struct {
	index uint32
	label string
}{
	{nvGCEAKCertRSA, "gce-ak-rsa"}, {nvGCEAKCertECC, "gce-ak-ecc"}, {nvAzureAKCert, "azure-ak"},
}

// Request says what the quote binds.
type Request struct {
	// VerifierNonce is the verifier's fresh random nonce (at least 16 bytes).
	VerifierNonce []byte
	// VerifierSource records who chose it: "harness" (one-shot local run,
	// the default) or "remote".
	VerifierSource string
	// EvidenceDigest is the SHA-256 digest of the rest of the evidence.
	EvidenceDigest []byte
	// EventLog overrides the device's event log (swtpm and simulator have
	// none; see BootLog). Nil reads Device.EventLogPath if set.
	EventLog []byte
	// Activate, if set, has a remote verifier challenge the AK (recorded
	// as results.ActivationVerifier); nil activates locally.
	Activate attest.Activator
	// ECCAK creates an ECDSA P-256 AK instead of the default RSA-2048 one.
	ECCAK bool
}

func (r Request) check() error {
	if len(r.VerifierNonce) < attest.MinVerifierNonce {
		return fmt.Errorf("verifier nonce has %d bytes, want at least %d", len(r.VerifierNonce), attest.MinVerifierNonce)
	}
	if len(r.EvidenceDigest) != sha256.Size {
		return fmt.Errorf("evidence digest has %d bytes, want %d (SHA-256)", len(r.EvidenceDigest), sha256.Size)
	}
	return nil
}

// Collect creates a fresh AK, activates it against the EK, quotes the
// SHA-256 PCR bank with attest.QuoteNonce(req.VerifierNonce, req.EvidenceDigest)
// and returns the raw evidence. Activation is local (the collector plays the
// verifier) unless req.Activate asks a remote verifier for the challenge.
// It is Begin, ActivateLocal or Answer, and Quote in one call. The result is
// unverified: pass it to attest.Verify.
func Collect(ctx context.Context, d *Device, req Request) (*results.TPMDetails, error) {
	s, err := Begin(ctx, d, req)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if req.Activate == nil {
		err = s.ActivateLocal(ctx)
	} else {
		var ch attest.Challenge
		if ch, err = req.Activate(ctx, s.Request()); err != nil {
			err = fmt.Errorf("asking the verifier for an activation challenge: %w", err)
		} else {
			err = s.Answer(ctx, ch)
		}
	}
	if err != nil {
		return nil, err
	}
	return s.Quote(ctx)
}

func eventLog(d *Device, req Request) ([]byte, string, error) {
	if req.EventLog != nil {
		return req.EventLog, "request", nil
	}
	if d.EventLogPath == "" {
		return nil, "none", nil
	}
	b, err := readEventLog(d.EventLogPath)
	if err != nil {
		// The quote is still worth having; the verifier sees why the log
		// is missing (RequireEventLog rejects it).
		return nil, "unreadable: " + err.Error(), nil
	}
	return b, d.EventLogPath, nil
}

// maxEventLog bounds the event log the collector reads: real measured-boot
// logs are tens of KiB, and the host (the provider's) decides what the file
// holds. securityfs reports size 0, so the bound is on what is read.
const maxEventLog = 16 << 20

func readEventLog(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxEventLog+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxEventLog {
		return nil, fmt.Errorf("reading %s: larger than %d MiB", path, maxEventLog>>20)
	}
	return b, nil
}

// quote quotes with the activated AK and reads the PCRs.
func quote(tpm *ga.TPM, ak *ga.AK, req Request, out *results.TPMDetails) error {
	q, err := ak.Quote(tpm, attest.QuoteNonce(req.VerifierNonce, req.EvidenceDigest), ga.HashSHA256)
	if err != nil {
		return fmt.Errorf("quoting: %w", err)
	}
	out.Quotes = []results.TPMQuote{{Bank: "sha256", Quote: q.Quote, Signature: q.Signature}}
	pcrs, err := tpm.PCRs(ga.HashSHA256)
	if err != nil {
		return fmt.Errorf("reading PCRs: %w", err)
	}
	for _, pcr := range pcrs {
		out.PCRs = append(out.PCRs, results.TPMPCR{Bank: "sha256", Index: pcr.Index, Digest: pcr.Digest})
	}
	if att, err := tpm2.DecodeAttestationData(q.Quote); err == nil {
		out.Clock = results.TPMClock{ClockMS: att.ClockInfo.Clock, ResetCount: att.ClockInfo.ResetCount, RestartCount: att.ClockInfo.RestartCount, Safe: att.ClockInfo.Safe == 1}
	}
	return nil
}

// recordEKs lists the activation EK first, then other EK certificates in NV.
func recordEKs(d *Device, ek ga.EK) ([]results.TPMEK, error) {
	pub, err := x509.MarshalPKIXPublicKey(ek.Public)
	if err != nil {
		return nil, fmt.Errorf("encoding EK public key: %w", err)
	}
	first := results.TPMEK{Algorithm: algName(ek.Public), Public: pub, CertificateURL: ek.CertificateURL}
	if ek.Certificate != nil {
		first.Certificate, first.NVIndex = ek.Certificate.Raw, nvEKCertRSA
	}
	out := []results.TPMEK{first}
	for _, idx := range []uint32{nvEKCertECC, nvEKCertECC384} {
		der, err := readNV(d, idx)
		if err != nil {
			continue // absent index: nothing to record
		}
		c, err := ga.ParseEKCertificate(der)
		if err != nil {
			continue
		}
		p, err := x509.MarshalPKIXPublicKey(c.PublicKey)
		if err != nil {
			continue
		}
		out = append(out, results.TPMEK{Algorithm: algName(c.PublicKey), Public: p, Certificate: c.Raw, NVIndex: idx})
	}
	return out, nil
}

// readAKCerts reads cloud-provisioned AK certificates that exist.
func readAKCerts(d *Device) []results.TPMCert {
	var out []results.TPMCert
	for _, c := range akCertIndices {
		if der, err := readNV(d, c.index); err == nil && len(der) > 0 {
			out = append(out, results.TPMCert{NVIndex: c.index, Label: c.label, Certificate: der})
		}
	}
	return out
}

func readNV(d *Device, idx uint32) ([]byte, error) {
	b, err := tpm2.NVReadEx(d.ch, tpmutil.Handle(idx), tpm2.HandleOwner, "", 0)
	if err != nil {
		return nil, fmt.Errorf("reading NV 0x%08x: %w", idx, err)
	}
	return b, nil
}

func algName(pub any) string {
	switch pub.(type) {
	case *rsa.PublicKey:
		return "rsa"
	case *ecdsa.PublicKey:
		return "ecc"
	}
	return "unknown"
}
