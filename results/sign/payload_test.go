package sign

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
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

// The payload's AVX2 base64 decoder reads every payload, and every
// payload with a byte changed, cut or padded, exactly as encoding/base64's
// strict decoder does: the same bytes or an error from both.
func TestFastBase64AgreesWithStd(t *testing.T) {
	data, _ := signFixture(t, KeyEd25519)
	env, err := ParseEnvelope(data)
	if err != nil {
		t.Fatal(err)
	}
	good := []byte(env.Payload)
	rng := rand.New(rand.NewPCG(18, 5298))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_\n\r \x00\xff"
	inputs := [][]byte{good, []byte("aGk="), []byte("aGl="), []byte("aGk"), []byte("")}
	for range 3000 {
		m := append([]byte(nil), good[:rng.IntN(len(good)+1)]...)
		for range 1 + rng.IntN(2) {
			if len(m) > 0 {
				m[rng.IntN(len(m))] = alphabet[rng.IntN(len(alphabet))]
			}
		}
		inputs = append(inputs, m)
	}
	for _, in := range inputs {
		n := base64.StdEncoding.DecodedLen(len(in))
		want := make([]byte, n)
		wn, werr := base64.StdEncoding.Strict().Decode(want, in)
		got := make([]byte, n, n+64)
		gn, gerr := fastStrict.Decode(got, in)
		if (werr == nil) != (gerr == nil) || werr == nil && !bytes.Equal(want[:wn], got[:gn]) {
			t.Fatalf("%.60q…(%d bytes): encoding/base64 %d, %v; fast %d, %v", in, len(in), wn, werr, gn, gerr)
		}
		if tail := got[n : n+64]; !bytes.Equal(tail, make([]byte, 64)) {
			t.Fatalf("the fast decoder wrote past the decoded length")
		}
	}
}
