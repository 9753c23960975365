package attest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"time"

	ga "github.com/google/go-attestation/attest"

	"github.com/sovbench/sovbench/results"
)

// Options configures Verify.
type Options struct {
	// VerifierNonce and EvidenceDigest are the values the verifier expects
	// the quote to bind. A live verifier passes its own nonce; an offline
	// re-verifier passes the recorded nonce and the digest it recomputed
	// over the report (never only the recorded digest: that would let
	// evidence change after the quote).
	VerifierNonce, EvidenceDigest []byte
	// Roots are the trust anchors of the EK (and cloud AK) certificates.
	// Nil: no endorsement is computed (Platform.Endorsement stays nil),
	// which is an error unless AllowUnverifiedEK.
	Roots *RootStore
	// AllowUnverifiedEK accepts evidence whose EK certificate chains to no
	// anchor (simulator, unknown maker); Platform.Classify then says
	// unendorsed. Claims decide what that is worth.
	AllowUnverifiedEK bool
	// RequireEventLog rejects evidence without a measured-boot log.
	RequireEventLog bool
	// Replay, if set, rejects a quote it has already accepted.
	Replay *ReplayCache
	// AKs, if set, remembers the AKs checked for earlier reports (same
	// bytes, same AK: see AKCache).
	AKs *AKCache
	// Now is the time certificates are checked at (default time.Now()).
	// Re-verifiers pass the evidence's own time, so that a verdict does not
	// change with the day it is re-checked.
	Now time.Time
}

// Platform is what verified TPM evidence says, each fact with whose word it
// is. Verify returns it only after every check has passed.
type Platform struct {
	// Source, Kind and Simulated are what the collector recorded about how
	// it reached the TPM: its word, never a reason to call a TPM hardware.
	// Simulated is believed when true (a statement against interest).
	Source, Kind string
	Simulated    bool
	// SelfReported is what the TPM says about its maker (capability reads,
	// which nothing signs): shown, never a reason for a verdict.
	SelfReported SelfReport
	// Firmware is the firmware version inside the signed quote (the TPM's
	// word, signed by its AK), as "major.minor".
	Firmware string
	// PCRs are the SHA-256 PCR values the quote covers.
	PCRs PCRValues
	// Clock is the first quote's clock (signed).
	Clock results.TPMClock
	// Continuity lists resets and restarts of the TPM seen between the AK's
	// certified creation and the quotes, both signed by the AK.
	Continuity []string
	// Binding is who confirmed that the AK lives in the EK's TPM.
	Binding Binding
	// Nonce says who chose the quote's verifier nonce ("harness" or
	// "remote"): whose word the quote's freshness rests on.
	NonceSource string
	// Endorsement is what the EK certificate chains to; nil when Verify had
	// no roots.
	Endorsement *Endorsement
	// Boot is the replayed event log; nil when there is none.
	Boot *BootState
	// Operators are operator facts from cloud AK certificates.
	Operators []OperatorFact
}

// SelfReport is what a TPM says about itself, unsigned: the collector (or
// whoever edited the report before signing it) can write anything here.
type SelfReport struct {
	Manufacturer results.TPMManufacturer
	VendorInfo   string
}

// Binding is the recorded credential activation: who confirmed that the AK
// and the EK are in the same TPM. Mode ActivationLocal: the collector did it
// in-process (its word, relayed by the report's signer). Mode
// ActivationVerifier: a challenging verifier did, and VerifierKey is the key
// id it recorded, which must be the key that signed the report.
type Binding struct {
	Mode        string
	Verifier    string
	VerifierKey string
}

// Verify checks TPM evidence and returns the platform facts only after every
// check has passed: input shape, AK parameters (restricted, fixedTPM,
// TPM-generated, name), the recorded activation, the quote signature, the
// nonce, the PCR digest, that the recorded firmware and clock are those
// inside the signed quote, the replay cache, the event-log replay against
// the SHA-256 PCRs and, with roots, the EK certificate chains. It never
// panics on malformed input: every failure is an error naming the stage.
func Verify(d *results.TPMDetails, o Options) (p *Platform, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fail(StageInput, nil, "malformed evidence: %v", r)
		}
	}()
	if d == nil {
		return nil, fail(StageInput, nil, "no TPM evidence")
	}
	if len(o.EvidenceDigest) != sha256.Size || len(o.VerifierNonce) < MinVerifierNonce {
		return nil, fail(StageInput, nil, "verifier nonce (%d bytes) or evidence digest (%d bytes) missing", len(o.VerifierNonce), len(o.EvidenceDigest))
	}
	ak, err := o.AKs.check(d)
	if err != nil {
		return nil, err
	}
	p = &Platform{Source: d.Source, Kind: d.Kind, Simulated: d.Simulated, NonceSource: d.Nonce.VerifierSource,
		SelfReported: SelfReport{Manufacturer: d.Manufacturer, VendorInfo: d.VendorInfo}}
	if p.Binding, err = checkActivation(d); err != nil {
		return nil, err
	}
	nonce := QuoteNonce(o.VerifierNonce, o.EvidenceDigest)
	if err := verifyQuotes(d, ak, nonce, p); err != nil {
		return nil, err
	}
	if p.Boot, err = replayLog(d.EventLog, &p.PCRs, o.RequireEventLog); err != nil {
		return nil, err
	}
	if o.Roots != nil {
		p.Endorsement = endorse(d, o)
		p.Operators = operatorFacts(d, o, ak.ak)
	}
	if !o.AllowUnverifiedEK {
		if p.Endorsement == nil {
			return nil, &EKChainError{Reason: errNoRoots.Error()}
		}
		if err := checkEKCert(p.Endorsement); err != nil {
			return nil, err
		}
	}
	if o.Replay != nil && !o.Replay.add([sha256.Size]byte(nonce)) {
		return nil, &ReplayError{Nonce: nonce}
	}
	return p, nil
}

// checkAK parses the AK and checks its self-certified creation.
func checkAK(d *results.TPMDetails) (*ga.AKPublic, error) {
	ak, err := ga.ParseAKPublic(d.AK.Public)
	if err != nil {
		return nil, fail(StageAK, err, "AK public area does not parse")
	}
	switch k := ak.Public.(type) {
	case *rsa.PublicKey:
		if k.N == nil || k.N.BitLen() < 2048 || k.E < 3 {
			return nil, fail(StageAK, nil, "RSA AK is too weak")
		}
	case *ecdsa.PublicKey:
	default:
		return nil, fail(StageAK, nil, "AK type %T is not supported", ak.Public)
	}
	if len(d.EKs) == 0 {
		return nil, fail(StageAK, nil, "no EK recorded")
	}
	ek, err := x509.ParsePKIXPublicKey(d.EKs[0].Public)
	if err != nil {
		return nil, fail(StageAK, err, "EK public key does not parse")
	}
	ap := ga.ActivationParameters{EK: ek, AK: ga.AttestationParameters{
		Public: d.AK.Public, CreateData: d.AK.CreateData, CreateAttestation: d.AK.CreateAttestation, CreateSignature: d.AK.CreateSignature,
	}}
	if err := ap.CheckAKParameters(); err != nil {
		return nil, fail(StageAK, err, "AK is not a TPM-generated restricted signing key")
	}
	return ak, nil
}

// checkActivation checks the recorded activation is complete and its
// returned secret matches the commitment made before activation, and
// returns whose word the binding is. A remote activation
// (results.ActivationVerifier) passes only once the verifier that challenged
// has confirmed it (ConfirmActivation) in the record, naming its key; that
// the key is the report's signer is the caller's check (Binding).
func checkActivation(d *results.TPMDetails) (Binding, error) {
	a := d.Activation
	b := Binding{Mode: a.Mode, Verifier: a.Verifier, VerifierKey: a.VerifierKey}
	switch a.Mode {
	case "", results.ActivationLocal:
		b.Mode = results.ActivationLocal
		if !a.Activated {
			return b, fail(StageActivation, nil, "the collector did not activate the AK against the EK")
		}
		if a.VerifierKey != "" {
			return b, fail(StageActivation, nil, "a local activation names verifier key %q: only a challenging verifier records one", a.VerifierKey)
		}
	case results.ActivationVerifier:
		if !a.Activated || a.Verifier == "" || a.ChallengeID == "" {
			return b, fail(StageActivation, nil, "a remote verifier's challenge was answered but no verifier confirmed it (only the report the challenging verifier signed records that)")
		}
		if !isKeyID(a.VerifierKey) {
			return b, fail(StageActivation, nil, "the confirming verifier's key id %q is not 64 lower-case hex digits", a.VerifierKey)
		}
	default:
		return b, fail(StageActivation, nil, "unknown activation mode %q", a.Mode)
	}
	switch {
	case a.EKIndex != 0:
		return b, fail(StageActivation, nil, "activation used EK %d, not the recorded first EK", a.EKIndex)
	case len(a.Credential) == 0 || len(a.Secret) == 0 || len(a.Commitment) != sha256.Size:
		return b, fail(StageActivation, nil, "activation record is incomplete")
	}
	name, err := AKName(d.AK.Public)
	if err != nil || !bytes.Equal(name, a.AKName) {
		return b, fail(StageActivation, err, "activation was for another AK (an AK from another TPM or run)")
	}
	sum := sha256.Sum256(a.Returned)
	if subtle.ConstantTimeCompare(sum[:], a.Commitment) != 1 {
		return b, fail(StageActivation, nil, "returned secret does not match the commitment")
	}
	return b, nil
}

// isKeyID reports whether s is a key id as results/sign writes them: 64
// lower-case hex digits.
func isKeyID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
