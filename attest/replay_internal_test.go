package attest

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

// The replay cache rejects a nonce it holds and forgets the oldest beyond
// Max, also when Max is lowered after it filled.
func TestReplayCacheForgetsTheOldest(t *testing.T) {
	n := func(b byte) [32]byte { return [32]byte{b} }
	c := &ReplayCache{Max: 3}
	steps := []struct {
		nonce byte
		isNew bool
	}{{1, true}, {2, true}, {3, true}, {1, false}, {4, true}, {1, true}, {3, false}, {4, false}, {2, true}, {3, true}}
	for i, s := range steps {
		if got := c.add(n(s.nonce)); got != s.isNew {
			t.Fatalf("step %d: add(%d) = %v, want %v", i, s.nonce, got, s.isNew)
		}
	}
	// Held now, oldest first: 1, 2, 3. Lowered to 2, a new nonce leaves
	// the newest two: 3 and itself.
	c.Max = 2
	if !c.add(n(5)) || len(c.seen) != 2 || len(c.ring) != 2 {
		t.Fatalf("after lowering Max: %d held, ring of %d (want 2)", len(c.seen), len(c.ring))
	}
	if c.add(n(3)) || c.add(n(5)) || !c.add(n(2)) {
		t.Fatal("after lowering Max: 3 or 5 forgotten, or 2 still held")
	}
}

// QuoteNonce is SHA-256(verifier nonce ‖ evidence digest), for verifier
// nonces of any length (the collector and every verifier must agree).
func TestQuoteNonceIsSHA256OfTheTwo(t *testing.T) {
	digest := sha256.Sum256([]byte("evidence"))
	for _, n := range []int{MinVerifierNonce, 32, 96, 97, 300} {
		vn := bytes.Repeat([]byte{byte(n)}, n)
		h := sha256.New()
		h.Write(vn)
		h.Write(digest[:])
		if got, want := QuoteNonce(vn, digest[:]), h.Sum(nil); !bytes.Equal(got, want) {
			t.Fatalf("%d-byte verifier nonce: %x, want %x", n, got, want)
		}
	}
}
