package sign

import (
	"context"
	"fmt"

	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// SignStatement signs an in-toto Statement v1 other than a report's (a
// landmark file's, say), given as its JSON encoding, as a DSSE envelope
// with k, and returns the envelope file's bytes (EncodeEnvelope). The
// statement must read as a valid Statement v1 with the in-toto bindings.
func SignStatement(ctx context.Context, statement []byte, k *Key) ([]byte, error) {
	var pb intoto.Statement
	if err := protojson.Unmarshal(statement, &pb); err != nil {
		return nil, fmt.Errorf("reading statement with the in-toto bindings: %w", err)
	}
	if err := pb.Validate(); err != nil {
		return nil, fmt.Errorf("validating in-toto statement: %w", err)
	}
	env, err := signEnvelope(ctx, k, PayloadType, statement)
	if err != nil {
		return nil, fmt.Errorf("signing statement: %w", err)
	}
	return EncodeEnvelope(env)
}

// OpenEnvelope reads an envelope file in its canonical form
// (ParseEnvelope) and checks its signature against the trusted keys
// (VerifySignature): the signer's key id and the payload, to be decoded
// and checked by the caller.
func OpenEnvelope(ctx context.Context, data []byte, keys []*PublicKey) (string, []byte, error) {
	env, err := ParseEnvelope(data)
	if err != nil {
		return "", nil, err
	}
	return VerifySignature(ctx, env, keys)
}
