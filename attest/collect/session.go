package collect

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"

	ga "github.com/google/go-attestation/attest"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/results"
)

// Session is one attestation on an open device, split where a remote
// verifier takes part: Begin reads the EK and creates a fresh AK, the AK is
// then activated (ActivateLocal, or Request for a verifier's challenge and
// Answer), and Quote binds the request's nonce. Collect runs all of it in
// one call. A Session is not safe for concurrent use; Close releases the AK.
type Session struct {
	d   *Device
	tpm *ga.TPM
	ek  ga.EK
	ak  *ga.AK
	req Request
	out *results.TPMDetails
}

// Begin opens an attestation session: it reads the TPM's properties, EKs
// and cloud AK certificates and creates a fresh AK.
func Begin(ctx context.Context, d *Device, req Request) (*Session, error) {
	if err := req.check(); err != nil {
		return nil, fmt.Errorf("collecting TPM evidence: %w", err)
	}
	d.ch.setContext(ctx)
	defer d.ch.setContext(nil)
	s := &Session{d: d, req: req, out: &results.TPMDetails{
		Source: d.Source, Kind: d.Kind, Simulated: d.Kind != KindDevice,
		Nonce: results.TPMNonce{Verifier: req.VerifierNonce, VerifierSource: req.VerifierSource, EvidenceDigest: req.EvidenceDigest},
	}}
	if s.out.Nonce.VerifierSource == "" {
		s.out.Nonce.VerifierSource = "harness"
	}
	log, src, err := eventLog(d, req)
	if err != nil {
		return nil, err
	}
	s.out.EventLog, s.out.EventLogSource = log, src
	if s.tpm, err = ga.OpenTPM(&ga.OpenConfig{CommandChannel: rwc{channel: d.ch, log: log}}); err != nil {
		return nil, fmt.Errorf("opening TPM %s: %w", d.Source, err)
	}
	if err := s.readIdentity(); err != nil {
		return nil, err
	}
	akc := &ga.AKConfig{Algorithm: ga.RSA}
	if req.ECCAK {
		akc.Algorithm = ga.ECDSA
	}
	if s.ak, err = s.tpm.NewAK(akc); err != nil {
		return nil, fmt.Errorf("creating AK: %w", err)
	}
	p := s.ak.AttestationParameters()
	s.out.AK = results.TPMAK{Public: p.Public, CreateData: p.CreateData, CreateAttestation: p.CreateAttestation, CreateSignature: p.CreateSignature}
	if s.out.Activation.AKName, err = attest.AKName(p.Public); err != nil {
		s.Close()
		return nil, fmt.Errorf("creating AK: %w", err)
	}
	return s, nil
}

func (s *Session) readIdentity() error {
	info, err := s.tpm.Info()
	if err != nil {
		return fmt.Errorf("reading TPM properties: %w", err)
	}
	s.out.Manufacturer = attest.Manufacturer(uint32(info.Manufacturer))
	s.out.VendorInfo = info.VendorInfo
	s.out.Firmware = fmt.Sprintf("%d.%d", info.FirmwareVersionMajor, info.FirmwareVersionMinor)
	eks, err := s.tpm.EKs()
	if err != nil {
		return fmt.Errorf("reading endorsement keys: %w", err)
	}
	if len(eks) == 0 {
		return errors.New("reading endorsement keys: the TPM has none")
	}
	s.ek = eks[0]
	if s.out.EKs, err = recordEKs(s.d, s.ek); err != nil {
		return err
	}
	s.out.AKCerts = readAKCerts(s.d)
	return nil
}

// Request is what a remote verifier needs to challenge this session's AK:
// the first EK (the one activation uses) and the AK parameters.
func (s *Session) Request() attest.ActivationRequest {
	return attest.ActivationRequest{EK: s.out.EKs[0], AK: s.out.AK}
}

// ActivateLocal plays both roles of credential activation in-process (a
// one-shot run, where the harness is its own verifier): it checks the AK
// parameters, encrypts a secret to the EK for the AK's name and has the TPM
// decrypt it, which it can only if both keys are its own.
func (s *Session) ActivateLocal(ctx context.Context) error {
	s.d.ch.setContext(ctx)
	defer s.d.ch.setContext(nil)
	a, err := activateWith(s.tpm, s.ak, s.ek, s.ek.Public)
	a.Mode, a.Verifier = results.ActivationLocal, "harness"
	s.out.Activation = a
	return err
}

// Answer has the TPM decrypt a remote verifier's challenge and records the
// returned secret for the verifier to compare. The record says Activated
// false and has no commitment: only the verifier, which kept the secret,
// can confirm it (see results.TPMActivation).
func (s *Session) Answer(ctx context.Context, ch attest.Challenge) error {
	s.d.ch.setContext(ctx)
	defer s.d.ch.setContext(nil)
	a := &s.out.Activation
	a.Mode, a.Verifier, a.ChallengeID = results.ActivationVerifier, ch.Verifier, ch.ID
	a.Credential, a.Secret, a.Commitment, a.Activated = ch.Credential, ch.Secret, nil, false
	got, err := s.ak.ActivateCredentialWithEK(s.tpm, ga.EncryptedCredential{Credential: ch.Credential, Secret: ch.Secret}, s.ek)
	if err != nil {
		return fmt.Errorf("activating credential from %s: %w", ch.Verifier, err)
	}
	a.Returned = got
	return nil
}

// Quote quotes the SHA-256 PCR bank with QuoteNonce(VerifierNonce,
// EvidenceDigest), reads the PCRs and returns the raw evidence, which is
// unverified: pass it to attest.Verify. It refuses to quote with an AK that was
// neither activated locally nor answered for a verifier.
func (s *Session) Quote(ctx context.Context) (*results.TPMDetails, error) {
	switch a := s.out.Activation; {
	case a.Mode == results.ActivationLocal && !a.Activated, a.Mode == results.ActivationVerifier && a.Returned == nil, a.Mode == "":
		return nil, errors.New("quoting: the AK has not been activated")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("quoting: %w", err)
	}
	s.d.ch.setContext(ctx)
	defer s.d.ch.setContext(nil)
	if err := quote(s.tpm, s.ak, s.req, s.out); err != nil {
		return nil, err
	}
	return s.out, nil
}

// Close flushes the AK from the TPM. It does not close the Device.
func (s *Session) Close() error {
	if s.ak == nil {
		return nil
	}
	err := s.ak.Close(s.tpm)
	s.ak = nil
	if err != nil {
		return fmt.Errorf("closing AK: %w", err)
	}
	return nil
}

// activateWith encrypts the challenge to verifierEK (normally ek.Public; a
// test passes another TPM's EK to see activation fail).
func activateWith(tpm *ga.TPM, ak *ga.AK, ek ga.EK, verifierEK any) (results.TPMActivation, error) {
	p := ak.AttestationParameters()
	name, err := attest.AKName(p.Public)
	if err != nil {
		return results.TPMActivation{}, fmt.Errorf("generating activation challenge: %w", err)
	}
	ap := ga.ActivationParameters{EK: verifierEK, AK: p}
	secret, ec, err := ap.Generate()
	if err != nil {
		return results.TPMActivation{AKName: name}, fmt.Errorf("generating activation challenge: %w", err)
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
