package sign

import (
	"bytes"
	"strings"
	"testing"
)

// ParseEnvelope decodes the payload right after its PAE head; the bytes
// signatures are checked over must be PAE's, exactly.
func TestParsedPAEIsPAE(t *testing.T) {
	data, _ := signFixture(t, KeyEd25519)
	env, err := ParseEnvelope(data)
	if err != nil {
		t.Fatal(err)
	}
	body, pae, err := env.signed()
	if err != nil {
		t.Fatal(err)
	}
	if env.decoded.pae == nil {
		t.Fatal("the canonical payload was not decoded on the fast path")
	}
	if want := PAE(env.PayloadType, body); !bytes.Equal(pae, want) {
		t.Fatalf("PAE:\n%.80q\nwant\n%.80q", pae, want)
	}
	env.PayloadType = "text/plain"
	if _, pae, _ := env.signed(); !bytes.Equal(pae, PAE("text/plain", body)) {
		t.Fatal("a changed payloadType is not in the PAE")
	}
}

// The payload's fast path (decode, no byte-by-byte scan) refuses all that
// the scan refuses: bytes the base64 decoder would skip or JSON escapes.
func TestPayloadFastPathRefusesWhatTheScanRefuses(t *testing.T) {
	data, _ := signFixture(t, KeyEd25519)
	at := bytes.Index(data, []byte(`"payload": "`)) + len(`"payload": "`) + 40
	for _, in := range []string{"\n", "\r", "\r\n", `\n`, `\u0041`, " ", "\t", "<", "=", "AAAA\n"} {
		forged := append(append(append([]byte(nil), data[:at]...), in...), data[at:]...)
		if _, err := ParseEnvelope(forged); err == nil {
			t.Errorf("%q inside the payload is accepted", in)
		} else if !strings.Contains(err.Error(), "payload") && !strings.Contains(err.Error(), "canonical") {
			t.Errorf("%q inside the payload: %v", in, err)
		}
	}
}
