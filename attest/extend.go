package attest

import (
	"crypto/sha256"
	"encoding"
	"hash"
	"sync"
)

// extender computes SHA-256 PCR extends, new = SHA-256(old ‖ digest), the
// event-log replay's inner loop (about a hundred per log), with the whole
// SHA-256 computation each time but a third less call overhead than
// sha256.Sum256: the 64-byte message and its padding block (0x80, zeros,
// the length 512 in bits) go to a reused hash state in one Write, whose
// two compressions leave the digest in the state words, read back from the
// state's binary form (magic "sha\x03", then the eight words big-endian)
// instead of finalizing. extendByState checks that reading against
// sha256.Sum256 once per process; if the form ever differs (another Go
// release, a FIPS or BoringCrypto build), every extend uses sha256.Sum256.
// Not safe for concurrent use: one per replay.
type extender struct {
	h   hash.Hash
	m   encoding.BinaryAppender
	in  [2 * sha256.BlockSize]byte // old ‖ digest, then the padding block
	out [128]byte                  // the state's binary form
}

// init readies x for extends.
func (x *extender) init() {
	x.in[sha256.BlockSize] = 0x80
	x.in[len(x.in)-2] = 0x02 // 512 bits, big-endian
	if extendByState() {
		x.h = sha256.New()
		x.m = x.h.(encoding.BinaryAppender)
	}
}

// extend replaces *pcr with SHA-256(*pcr ‖ digest); digest is 32 bytes.
func (x *extender) extend(pcr *[sha256.Size]byte, digest []byte) {
	copy(x.in[:sha256.Size], pcr[:])
	copy(x.in[sha256.Size:sha256.BlockSize], digest)
	if x.m == nil {
		*pcr = sha256.Sum256(x.in[:sha256.BlockSize])
		return
	}
	x.h.Reset()
	x.h.Write(x.in[:])
	st, _ := x.m.AppendBinary(x.out[:0])
	copy(pcr[:], st[len(stateMagic):])
}

// stateMagic opens crypto/sha256's binary form of a SHA-256 state.
const stateMagic = "sha\x03"

// extendByState reports whether reading the digest from the state's binary
// form gives sha256.Sum256's result, checked on two messages at the first
// replay, not at package init: attest is in the slim agent, whose start-up
// CPU is measured (#19).
var extendByState = sync.OnceValue(func() bool {
	h := sha256.New()
	m, ok := h.(encoding.BinaryAppender)
	if !ok {
		return false
	}
	for _, fill := range []byte{0x00, 0xa5} {
		var in [2 * sha256.BlockSize]byte
		for i := range sha256.BlockSize {
			in[i] = fill + byte(i)
		}
		in[sha256.BlockSize], in[len(in)-2] = 0x80, 0x02
		h.Reset()
		h.Write(in[:])
		st, err := m.AppendBinary(nil)
		want := sha256.Sum256(in[:sha256.BlockSize])
		if err != nil || len(st) < len(stateMagic)+sha256.Size || string(st[:len(stateMagic)]) != stateMagic ||
			[sha256.Size]byte(st[len(stateMagic):]) != want {
			return false
		}
	}
	return true
})
