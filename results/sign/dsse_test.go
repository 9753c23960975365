package sign

import (
	"context"
	"reflect"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// The envelope code here speaks the same DSSE as go-securesystemslib/dsse
// (which it replaced so that verifiers do not link x/crypto/ssh): with a
// deterministic Ed25519 key both sign to the same envelope, and each
// verifies the other's.
func TestEnvelopesMatchTheDSSELibrary(t *testing.T) {
	ctx := context.Background()
	k, err := GenerateKey(KeyEd25519)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"_type":"https://in-toto.io/Statement/v1"}`)
	ours, err := signEnvelope(ctx, k, PayloadType, body)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := dsse.NewEnvelopeSigner(k)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := signer.SignPayload(ctx, PayloadType, body)
	if err != nil {
		t.Fatal(err)
	}
	want := &Envelope{PayloadType: theirs.PayloadType, Payload: theirs.Payload}
	for _, s := range theirs.Signatures {
		want.Signatures = append(want.Signatures, Signature{KeyID: s.KeyID, Sig: s.Sig})
	}
	if !reflect.DeepEqual(ours, want) {
		t.Fatalf("envelope %+v, the DSSE library signs %+v", ours, want)
	}
	if string(PAE(PayloadType, body)) != string(dsse.PAE(PayloadType, body)) {
		t.Fatal("PAE differs from the DSSE library's")
	}
	ev, err := dsse.NewEnvelopeVerifier(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ev.Verify(ctx, theirs); err != nil {
		t.Fatalf("the DSSE library rejects our signature: %v", err)
	}
	if id, _, err := VerifySignature(ctx, want, []*PublicKey{k.Public()}); err != nil || id != k.ID {
		t.Fatalf("verifying the library's envelope: %q, %v", id, err)
	}
}
