package sign

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
)

// Envelope is a DSSE envelope (github.com/secure-systems-lab/dsse,
// envelope.md): the payload and its type, base64, and the signatures over
// their pre-authentication encoding (PAE). The few lines of the protocol
// live here rather than in go-securesystemslib/dsse, whose verifier links
// golang.org/x/crypto/ssh (for a key id fallback sovbench never uses) into
// every offline verifier.
type Envelope struct {
	PayloadType string      `json:"payloadType"`
	Payload     string      `json:"payload"`
	Signatures  []Signature `json:"signatures"`
	// decoded is Payload decoded by ParseEnvelope (of is the text it was
	// decoded from), so that verifying does not decode it again.
	decoded *decodedPayload
}

type decodedPayload struct {
	of   string
	body []byte
	// pae is PAE(typ, body), body its tail (nil: not built).
	typ string
	pae []byte
}

// signed returns the decoded payload and the bytes its signatures are
// over, PAE(payloadType, payload).
func (env *Envelope) signed() (body, pae []byte, err error) {
	if d := env.decoded; d != nil && d.of == env.Payload {
		if d.pae != nil && d.typ == env.PayloadType {
			return d.body, d.pae, nil
		}
		return d.body, PAE(env.PayloadType, d.body), nil
	}
	if body, err = flexBase64(env.Payload); err != nil {
		return nil, nil, err
	}
	return body, PAE(env.PayloadType, body), nil
}

// Signature is one signature of an envelope: the signing key's id and the
// base64 signature over PAE(payloadType, payload).
type Signature struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"`
}

// PAE is the DSSE pre-authentication encoding of a payload and its type:
// "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. Signatures are over it.
func PAE(payloadType string, payload []byte) []byte {
	return append(paeHead(payloadType, len(payload), len(payload)), payload...)
}

// paeHead is PAE's bytes before a payload of n bytes, with room for extra
// more.
func paeHead(payloadType string, n, extra int) []byte {
	b := make([]byte, 0, len("DSSEv1 ")+2*20+len(payloadType)+3+extra)
	b = append(b, "DSSEv1 "...)
	b = strconv.AppendInt(b, int64(len(payloadType)), 10)
	b = append(append(append(b, ' '), payloadType...), ' ')
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, ' ')
}

// signEnvelope signs body of type payloadType with k: one signature.
func signEnvelope(ctx context.Context, k *Key, payloadType string, body []byte) (*Envelope, error) {
	sig, err := k.Sign(ctx, PAE(payloadType, body))
	if err != nil {
		return nil, err
	}
	return &Envelope{
		PayloadType: payloadType,
		Payload:     base64.StdEncoding.EncodeToString(body),
		Signatures:  []Signature{{KeyID: k.ID, Sig: base64.StdEncoding.EncodeToString(sig)}},
	}, nil
}

// acceptedKey is a trusted key whose signature verified, with the
// signature it verified.
type acceptedKey struct {
	keyID string
	sig   Signature
}

// verifyEnvelope checks env's signatures, in order, against the keys (each
// key accepts at most one signature; a signature naming a key id is tried
// only with that key) and returns the keys that accepted one, and the
// payload.
func verifyEnvelope(ctx context.Context, env *Envelope, keys []*PublicKey) ([]acceptedKey, []byte, error) {
	body, pae, err := env.signed()
	if err != nil {
		return nil, nil, fmt.Errorf("envelope payload: %w", err)
	}
	left := append([]*PublicKey(nil), keys...)
	var out []acceptedKey
	for _, s := range env.Signatures {
		sig, err := flexBase64(s.Sig)
		if err != nil {
			return nil, nil, fmt.Errorf("envelope signature: %w", err)
		}
		for i, k := range left {
			if s.KeyID != "" && s.KeyID != k.ID {
				continue
			}
			if k.Verify(ctx, pae, sig) != nil {
				continue
			}
			out = append(out, acceptedKey{keyID: k.ID, sig: s})
			left = append(left[:i:i], left[i+1:]...)
			break
		}
	}
	return out, body, nil
}

// flexBase64 decodes standard or URL base64, as DSSE allows; ParseEnvelope
// accepts only canonical standard base64 before anything gets here.
func flexBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.URLEncoding.DecodeString(s); err != nil {
			return nil, fmt.Errorf("decoding base64: %w", err)
		}
	}
	return b, nil
}
