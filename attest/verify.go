package attest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"fmt"
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
	// Roots verifies the EK certificate. Nil: no EK chain check, which is an
	// error unless AllowUnverifiedEK.
	Roots *RootStore
	// AllowUnverifiedEK accepts evidence whose EK chain cannot be verified
	// (simulator, unknown root); Platform.EK then stays nil and the TPM is
	// not hardware. For demos and for claims that do not need the EK.
	AllowUnverifiedEK bool
	// RequireEventLog rejects evidence without a measured-boot log.
	RequireEventLog bool
	// Replay, if set, rejects a quote it has already accepted.
	Replay *ReplayCache
	// Now is the time certificates are checked at (default time.Now()).
	Now time.Time
}

// Platform is what verified TPM evidence says. Verify returns it only after
// every check has passed.
type Platform struct {
	Source    string `json:"source"`
	Kind      string `json:"kind"`
	Simulated bool   `json:"simulated"`
	// Hardware: not simulated, not a known software TPM, and the EK chains
	// to a root not marked software.
	Hardware bool `json:"hardware"`
	// NotHardware says why Hardware is false.
	NotHardware string `json:"not_hardware,omitempty"`
	// Manufacturer is TPM_PT_MANUFACTURER as the TPM reported it (the
	// capability read is not signed; the EK chain vouches for the maker).
	Manufacturer results.TPMManufacturer `json:"manufacturer"`
	Firmware     string                  `json:"firmware"`
	// EK is the verified EK chain; nil when AllowUnverifiedEK let an
	// unverified EK through (EKUnverified says why).
	EK           *Chain `json:"ek,omitempty"`
	EKUnverified string `json:"ek_unverified,omitempty"`
	// PCRs are the SHA-256 PCR values the quote covers.
	PCRs map[int][]byte `json:"pcrs"`
	// Clock is from the signed quote.
	Clock results.TPMClock `json:"clock"`
	// Boot is the replayed event log; nil when there is none.
	Boot *BootState `json:"boot,omitempty"`
	// Operators are operator facts from cloud AK certificates.
	Operators []OperatorFact `json:"operators,omitempty"`
}

// Verify checks TPM evidence and returns the platform facts only after every
// check has passed: input shape, AK parameters (restricted, fixedTPM,
// TPM-generated, name), the recorded activation, the quote signature, the
// nonce, the PCR digest, the replay cache, the event-log replay against the
// SHA-256 PCRs and the EK certificate chain. It never panics on malformed
// input: every failure is an error naming the stage.
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
	ak, err := checkAK(d)
	if err != nil {
		return nil, err
	}
	if err := checkActivation(d); err != nil {
		return nil, err
	}
	p = &Platform{Source: d.Source, Kind: d.Kind, Simulated: d.Simulated, Manufacturer: d.Manufacturer, Firmware: d.Firmware}
	nonce := QuoteNonce(o.VerifierNonce, o.EvidenceDigest)
	if err := verifyQuotes(d, ak, nonce, p); err != nil {
		return nil, err
	}
	if p.Boot, err = replayLog(d.EventLog, p.PCRs, o.RequireEventLog); err != nil {
		return nil, err
	}
	if err := verifyEK(d, o, p); err != nil {
		return nil, err
	}
	p.Operators = operatorFacts(d, o, ak)
	if o.Replay != nil && !o.Replay.add(nonce) {
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
// returned secret matches the commitment made before activation. A remote
// activation (results.ActivationVerifier) passes only once the verifier
// that challenged has confirmed it (ConfirmActivation) in the record.
func checkActivation(d *results.TPMDetails) error {
	a := d.Activation
	switch a.Mode {
	case "", results.ActivationLocal:
		if !a.Activated {
			return fail(StageActivation, nil, "the collector did not activate the AK against the EK")
		}
	case results.ActivationVerifier:
		if !a.Activated || a.Verifier == "" || a.ChallengeID == "" {
			return fail(StageActivation, nil, "a remote verifier's challenge was answered but no verifier confirmed it (only the report the challenging verifier signed records that)")
		}
	default:
		return fail(StageActivation, nil, "unknown activation mode %q", a.Mode)
	}
	switch {
	case a.EKIndex != 0:
		return fail(StageActivation, nil, "activation used EK %d, not the recorded first EK", a.EKIndex)
	case len(a.Credential) == 0 || len(a.Secret) == 0 || len(a.Commitment) != sha256.Size:
		return fail(StageActivation, nil, "activation record is incomplete")
	}
	name, err := AKName(d.AK.Public)
	if err != nil || !bytes.Equal(name, a.AKName) {
		return fail(StageActivation, err, "activation was for another AK (an AK from another TPM or run)")
	}
	sum := sha256.Sum256(a.Returned)
	if subtle.ConstantTimeCompare(sum[:], a.Commitment) != 1 {
		return fail(StageActivation, nil, "returned secret does not match the commitment")
	}
	return nil
}

func verifyQuotes(d *results.TPMDetails, ak *ga.AKPublic, nonce []byte, p *Platform) error {
	if len(d.Quotes) == 0 {
		return fail(StageInput, nil, "no quote")
	}
	pcrs := map[int][]byte{}
	for _, r := range d.PCRs {
		if r.Bank != "sha256" || len(r.Digest) != sha256.Size || r.Index < 0 || r.Index > 23 {
			return fail(StageInput, nil, "PCR %s/%d is not a SHA-256 PCR", r.Bank, r.Index)
		}
		if _, dup := pcrs[r.Index]; dup {
			return fail(StageInput, nil, "PCR %d appears twice", r.Index)
		}
		pcrs[r.Index] = r.Digest
	}
	for i, q := range d.Quotes {
		if err := verifyQuote(q, ak.Public, ak.Hash, nonce, pcrs); err != nil {
			return fmt.Errorf("quote %d: %w", i, err)
		}
		if i == 0 {
			att, _ := ParseQuote(q.Quote)
			c := att.ClockInfo
			p.Clock = results.TPMClock{ClockMS: c.Clock, ResetCount: c.ResetCount, RestartCount: c.RestartCount, Safe: c.Safe == 1}
		}
	}
	p.PCRs = pcrs
	return nil
}

// VerifyQuote checks one quote: signature by the AK, TPM_GENERATED magic,
// nonce, and the PCR digest over pcrs (SHA-256 bank). It is the hot path of
// the verification benchmark.
func VerifyQuote(q results.TPMQuote, pub crypto.PublicKey, hash crypto.Hash, nonce []byte, pcrs map[int][]byte) error {
	return verifyQuote(q, pub, hash, nonce, pcrs)
}

func verifyQuote(q results.TPMQuote, pub crypto.PublicKey, hash crypto.Hash, nonce []byte, pcrs map[int][]byte) error {
	if err := checkSignature(pub, hash, q.Quote, q.Signature); err != nil {
		return &SignatureError{Err: err}
	}
	att, err := ParseQuote(q.Quote)
	if err != nil {
		return fail(StageInput, err, "signed quote does not parse")
	}
	if !bytes.Equal(att.ExtraData, nonce) {
		return &NonceMismatchError{Want: nonce, Got: att.ExtraData}
	}
	_, err = checkPCRDigest(att, pcrs)
	return err
}
