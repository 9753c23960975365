package attest

import (
	"context"
	"fmt"

	"github.com/google/go-tpm/legacy/tpm2"

	"github.com/sovbench/sovbench/results"
)

// Activator asks a remote verifier for a credential-activation challenge
// for the EK and AK in r (fleet's agent posts it to /v1/activate). The
// verifier keeps the secret; the TPM's answer travels back in the evidence.
// The collector (collect.Request.Activate) calls it; the verifier's side is
// NewChallenge and ConfirmActivation.
type Activator func(ctx context.Context, r ActivationRequest) (Challenge, error)

// ActivationRequest is what an agent sends a verifier so that it can
// challenge the AK: the EK it encrypts to (with its certificate, which the
// verifier checks) and the AK's attestation parameters. It is unverified
// input on the verifier's side: pass it to NewChallenge.
type ActivationRequest struct {
	EK results.TPMEK `json:"ek"`
	AK results.TPMAK `json:"ak"`
}

// Challenge is a verifier's encrypted credential (go-attestation's
// EncryptedCredential) with the verifier's name for it.
type Challenge struct {
	// ID names the challenge in the verifier's book; the evidence carries it.
	ID string `json:"id"`
	// Verifier says who challenged (recorded in TPMActivation.Verifier).
	Verifier   string `json:"verifier"`
	Credential []byte `json:"credential"`
	Secret     []byte `json:"secret"`
}

// AKName is the TPM name (nameAlg ‖ digest of TPMT_PUBLIC) of an AK's
// public area: what activation binds the credential to. It parses public
// but does not check it (Verify and NewChallenge do).
func AKName(public []byte) ([]byte, error) {
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
