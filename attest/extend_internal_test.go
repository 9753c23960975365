package attest

import (
	"crypto/sha256"
	"math/rand/v2"
	"testing"
)

// Both ways of extending (the state's binary form, and sha256.Sum256 when
// that form is not the expected one) give SHA-256(old ‖ digest).
func TestExtendIsSHA256OfOldAndDigest(t *testing.T) {
	if !extendByState() {
		t.Fatal("this Go's SHA-256 state form is not the expected one: every extend falls back to sha256.Sum256 (correct, but the replay is a third slower; see extend.go)")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var fast, slow extender
	fast.init()
	slow.init()
	slow.h, slow.m = nil, nil
	for i := range 2000 {
		var pcr, digest [sha256.Size]byte
		for j := range pcr {
			pcr[j], digest[j] = byte(rng.Uint32()), byte(rng.Uint32())
		}
		if i%500 == 0 { // edges: all zeros, all ones
			pcr, digest = [sha256.Size]byte{}, [sha256.Size]byte{}
			if i%1000 == 0 {
				for j := range pcr {
					pcr[j], digest[j] = 0xff, 0xff
				}
			}
		}
		want := sha256.Sum256(append(pcr[:], digest[:]...))
		a, b := pcr, pcr
		fast.extend(&a, digest[:])
		slow.extend(&b, digest[:])
		if a != want || b != want {
			t.Fatalf("extend of %x by %x: state %x, fallback %x, want %x", pcr, digest, a, b, want)
		}
	}
}
