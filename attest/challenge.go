package attest

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	ga "github.com/google/go-attestation/attest"

	"github.com/sovbench/sovbench/results"
)

// Refusals of a remote activation, for errors.Is. ConfirmActivation wraps
// them with the details.
var (
	ErrNotChallenged = errors.New("the AK was not activated through this verifier's challenge")
	ErrAKSwapped     = errors.New("the quoting AK is not the AK the challenge was made for (AK swapped after activation)")
	ErrEKSwapped     = errors.New("the recorded EK is not the EK the challenge was encrypted to")
	ErrWrongSecret   = errors.New("the returned secret does not match the challenge (the AK and the EK are not in the same TPM)")
)

// maxActivationKeys bounds the key material of an activation request.
const maxActivationKeys = 64 << 10

// ChallengeOptions configures NewChallenge.
type ChallengeOptions struct {
	// Roots, if set, must verify the EK certificate unless
	// AllowUnverifiedEK; nil leaves the chain to the suite's claims.
	Roots             *RootStore
	AllowUnverifiedEK bool
	// Now is the time certificates are checked at (default time.Now()).
	Now time.Time
}

// Pending is the verifier's half of a challenge: the secret and what it was
// made for. Keep it on the verifier; never send it.
type Pending struct {
	Secret   []byte
	AKName   []byte
	EKPublic []byte // PKIX DER
}

// NewChallenge is the verifier's side of credential activation. It checks
// an agent's request — the AK is a TPM-generated restricted signing key
// whose creation the TPM certified (go-attestation's CheckAKParameters), the
// EK parses, its certificate if any is for that key and, with o.Roots,
// chains to a trusted root — and encrypts a fresh secret to the EK for the
// AK's name (ActivationParameters.Generate). Only a TPM holding both keys
// can decrypt it. The caller sets the challenge's ID and Verifier and keeps
// Pending. As go-attestation warns, activation proves the AK shares a TPM
// with this EK, not that the EK is a device's: that is the chain's job.
func NewChallenge(r ActivationRequest, o ChallengeOptions) (ch Challenge, p Pending, err error) {
	defer func() {
		if v := recover(); v != nil {
			ch, p, err = Challenge{}, Pending{}, fail(StageInput, nil, "malformed activation request: %v", v)
		}
	}()
	if n := len(r.EK.Public) + len(r.EK.Certificate) + len(r.AK.Public) + len(r.AK.CreateData) + len(r.AK.CreateAttestation) + len(r.AK.CreateSignature); n > maxActivationKeys {
		return ch, p, fail(StageInput, nil, "activation request has %d bytes of keys, more than %d", n, maxActivationKeys)
	}
	ek, err := x509.ParsePKIXPublicKey(r.EK.Public)
	if err != nil {
		return ch, p, fail(StageAK, err, "EK public key does not parse")
	}
	if err := checkChallengeEK(r.EK, ek, o); err != nil {
		return ch, p, err
	}
	name, err := AKName(r.AK.Public)
	if err != nil {
		return ch, p, fail(StageAK, err, "AK public area does not parse")
	}
	ap := ga.ActivationParameters{EK: ek, AK: ga.AttestationParameters{
		Public: r.AK.Public, CreateData: r.AK.CreateData, CreateAttestation: r.AK.CreateAttestation, CreateSignature: r.AK.CreateSignature,
	}}
	if err := ap.CheckAKParameters(); err != nil {
		return ch, p, fail(StageAK, err, "AK is not a TPM-generated restricted signing key")
	}
	secret, ec, err := ap.Generate()
	if err != nil {
		return ch, p, fail(StageActivation, err, "generating the challenge")
	}
	return Challenge{Credential: ec.Credential, Secret: ec.Secret}, Pending{Secret: secret, AKName: name, EKPublic: r.EK.Public}, nil
}

// checkChallengeEK refuses an EK certificate that is for another key,
// whatever the trust policy, and, with roots, one that does not chain.
func checkChallengeEK(ek results.TPMEK, pub any, o ChallengeOptions) error {
	if len(ek.Certificate) > 0 {
		cert, err := ga.ParseEKCertificate(ek.Certificate)
		if err != nil {
			return &EKChainError{Reason: "EK certificate does not parse", Err: err}
		}
		if !samePublic(cert.PublicKey, pub) {
			return &EKChainError{Reason: "EK certificate is for another key"}
		}
	}
	if o.Roots == nil || o.AllowUnverifiedEK {
		return nil // the suite's tpm claims judge the chain
	}
	return checkEKCert(endorse(&results.TPMDetails{EKs: []results.TPMEK{ek}}, Options{Roots: o.Roots, Now: o.Now}))
}

// ConfirmActivation is the verifier's check of the answer to its challenge,
// carried in TPM evidence: the record must say it answered a verifier's
// challenge, quote with the AK the challenge was made for (same name), name
// the same EK, and return the secret (compared in constant time). On success
// it completes the record as the verifier vouches for it: Activated, the
// commitment SHA-256(secret), verifier as the Verifier and keyID, the id of
// the key the verifier signs the report with, as the VerifierKey (a
// re-verifier accepts the binding only from the report's signer). The caller
// checks that the challenge is the one the record names, was issued to this
// agent and run, and is used once.
func ConfirmActivation(d *results.TPMDetails, p Pending, verifier, keyID string) error {
	if !isKeyID(keyID) {
		return fmt.Errorf("confirming activation: verifier key id %q is not 64 lower-case hex digits", keyID)
	}
	a := &d.Activation
	if a.Mode != results.ActivationVerifier {
		mode := a.Mode
		if mode == "" {
			mode = results.ActivationLocal
		}
		return fmt.Errorf("%w (activation mode %q)", ErrNotChallenged, mode)
	}
	name, err := AKName(d.AK.Public)
	if err != nil || !bytes.Equal(name, p.AKName) || !bytes.Equal(a.AKName, p.AKName) {
		return ErrAKSwapped
	}
	if len(d.EKs) == 0 || a.EKIndex != 0 || !bytes.Equal(d.EKs[0].Public, p.EKPublic) {
		return ErrEKSwapped
	}
	if len(a.Returned) != len(p.Secret) || subtle.ConstantTimeCompare(a.Returned, p.Secret) != 1 {
		return ErrWrongSecret
	}
	sum := sha256.Sum256(p.Secret)
	a.Activated, a.Commitment, a.Verifier, a.VerifierKey = true, sum[:], verifier, keyID
	return nil
}
