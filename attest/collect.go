package attest

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	ga "github.com/google/go-attestation/attest"
	"github.com/google/go-tpm/legacy/tpm2"
	"github.com/google/go-tpm/tpmutil"

	"github.com/sovbench/sovbench/results"
)

// NV indices of certificates the collector reads (TCG EK Credential Profile,
// GCE and Azure vTPM documentation).
const (
	nvEKCertRSA     = 0x01c00002
	nvEKCertECC     = 0x01c0000a
	nvEKCertECC384  = 0x01c00016
	nvGCEAKCertRSA  = 0x01c10000
	nvGCEAKCertECC  = 0x01c10002
	nvAzureAKCert   = 0x01c101d0
	minVerifierSize = 16
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
}

func (r Request) check() error {
	if len(r.VerifierNonce) < minVerifierSize {
		return fmt.Errorf("verifier nonce has %d bytes, want at least %d", len(r.VerifierNonce), minVerifierSize)
	}
	if len(r.EvidenceDigest) != sha256.Size {
		return fmt.Errorf("evidence digest has %d bytes, want %d (SHA-256)", len(r.EvidenceDigest), sha256.Size)
	}
	return nil
}

// Collect creates a fresh AK, activates it against the EK, quotes the
// SHA-256 PCR bank with QuoteNonce(req.VerifierNonce, req.EvidenceDigest)
// and returns the raw evidence. The result is unverified: pass it to Verify.
func Collect(ctx context.Context, d *Device, req Request) (*results.TPMDetails, error) {
	if err := req.check(); err != nil {
		return nil, fmt.Errorf("collecting TPM evidence: %w", err)
	}
	d.ch.setContext(ctx)
	defer d.ch.setContext(nil)
	out := &results.TPMDetails{
		Source: d.Source, Kind: d.Kind, Simulated: d.Kind != KindDevice,
		Nonce: results.TPMNonce{Verifier: req.VerifierNonce, VerifierSource: req.VerifierSource, EvidenceDigest: req.EvidenceDigest},
	}
	if out.Nonce.VerifierSource == "" {
		out.Nonce.VerifierSource = "harness"
	}
	log, src, err := eventLog(d, req)
	if err != nil {
		return nil, err
	}
	out.EventLog, out.EventLogSource = log, src
	tpm, err := ga.OpenTPM(&ga.OpenConfig{CommandChannel: rwc{channel: d.ch, log: log}})
	if err != nil {
		return nil, fmt.Errorf("opening TPM %s: %w", d.Source, err)
	}
	info, err := tpm.Info()
	if err != nil {
		return nil, fmt.Errorf("reading TPM properties: %w", err)
	}
	out.Manufacturer = Manufacturer(uint32(info.Manufacturer))
	out.VendorInfo = info.VendorInfo
	out.Firmware = fmt.Sprintf("%d.%d", info.FirmwareVersionMajor, info.FirmwareVersionMinor)
	eks, err := tpm.EKs()
	if err != nil {
		return nil, fmt.Errorf("reading endorsement keys: %w", err)
	}
	if len(eks) == 0 {
		return nil, errors.New("reading endorsement keys: the TPM has none")
	}
	if out.EKs, err = recordEKs(d, eks[0]); err != nil {
		return nil, err
	}
	out.AKCerts = readAKCerts(d)
	if err := quote(ctx, tpm, eks[0], req, out); err != nil {
		return nil, err
	}
	return out, nil
}

func eventLog(d *Device, req Request) ([]byte, string, error) {
	if req.EventLog != nil {
		return req.EventLog, "request", nil
	}
	if d.EventLogPath == "" {
		return nil, "none", nil
	}
	b, err := os.ReadFile(d.EventLogPath)
	if err != nil {
		// The quote is still worth having; the verifier sees why the log
		// is missing (RequireEventLog rejects it).
		return nil, "unreadable: " + err.Error(), nil
	}
	return b, d.EventLogPath, nil
}

// quote makes the AK, runs activation, quotes and reads the PCRs.
func quote(ctx context.Context, tpm *ga.TPM, ek ga.EK, req Request, out *results.TPMDetails) error {
	ak, err := tpm.NewAK(nil)
	if err != nil {
		return fmt.Errorf("creating AK: %w", err)
	}
	defer ak.Close(tpm)
	p := ak.AttestationParameters()
	out.AK = results.TPMAK{Public: p.Public, CreateData: p.CreateData, CreateAttestation: p.CreateAttestation, CreateSignature: p.CreateSignature}
	if out.Activation, err = activate(tpm, ak, ek); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("quoting: %w", err)
	}
	q, err := ak.Quote(tpm, QuoteNonce(req.VerifierNonce, req.EvidenceDigest), ga.HashSHA256)
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

// activate plays both roles of credential activation: the verifier checks
// the AK parameters and encrypts a secret to the EK for the AK's name; the
// TPM decrypts it only if both keys are its own.
func activate(tpm *ga.TPM, ak *ga.AK, ek ga.EK) (results.TPMActivation, error) {
	return activateWith(tpm, ak, ek, ek.Public)
}

// activateWith encrypts the challenge to verifierEK (normally ek.Public; a
// test passes another TPM's EK to see activation fail).
func activateWith(tpm *ga.TPM, ak *ga.AK, ek ga.EK, verifierEK crypto.PublicKey) (results.TPMActivation, error) {
	p := ak.AttestationParameters()
	name, err := akName(p.Public)
	if err != nil {
		return results.TPMActivation{}, fmt.Errorf("generating activation challenge: %w", err)
	}
	ap := ga.ActivationParameters{EK: verifierEK, AK: p}
	secret, ec, err := ap.Generate()
	if err != nil {
		return results.TPMActivation{}, fmt.Errorf("generating activation challenge: %w", err)
	}
	commit := sha256.Sum256(secret)
	rec := results.TPMActivation{AKName: name, Credential: ec.Credential, Secret: ec.Secret, Commitment: commit[:]}
	got, err := ak.ActivateCredentialWithEK(tpm, *ec, ek)
	if err != nil {
		return rec, fmt.Errorf("activating credential: %w", err)
	}
	rec.Returned = got
	if subtle.ConstantTimeCompare(got, secret) != 1 {
		return rec, errors.New("activating credential: the TPM returned a different secret")
	}
	rec.Activated = true
	return rec, nil
}

// akName is the TPM name (nameAlg ‖ digest of TPMT_PUBLIC) of an AK.
func akName(public []byte) ([]byte, error) {
	pub, err := tpm2.DecodePublic(public)
	if err != nil {
		return nil, fmt.Errorf("decoding AK public: %w", err)
	}
	n, err := pub.Name()
	if err != nil {
		return nil, fmt.Errorf("computing AK name: %w", err)
	}
	b, err := n.Encode()
	if err != nil {
		return nil, fmt.Errorf("encoding AK name: %w", err)
	}
	return b, nil
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
