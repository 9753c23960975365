package attest

import (
	"crypto/sha256"
	"math/bits"

	"github.com/sovbench/sovbench/results"
)

// PCRValues are SHA-256 PCR values by index (0-23), as evidence records
// them and a quote covers them. A fixed array and a bit set, not a map:
// the quote's PCR digest, the event-log replay and the boot memo read every
// value on each quote, and index look-ups in a map were a sixth of the
// quote's cost beyond its signature. The zero value holds no PCR.
type PCRValues struct {
	set uint32
	v   [24][sha256.Size]byte
}

// NewPCRValues reads recorded PCR values: SHA-256 bank only, 32-byte
// digests, indices 0-23, each index once. An error names the offending PCR.
func NewPCRValues(rs []results.TPMPCR) (PCRValues, error) {
	var p PCRValues
	for _, r := range rs {
		if r.Bank != "sha256" || len(r.Digest) != sha256.Size || r.Index < 0 || r.Index > 23 {
			return PCRValues{}, fail(StageInput, nil, "PCR %s/%d is not a SHA-256 PCR", r.Bank, r.Index)
		}
		if p.Has(r.Index) {
			return PCRValues{}, fail(StageInput, nil, "PCR %d appears twice", r.Index)
		}
		p.set |= 1 << r.Index
		p.v[r.Index] = [sha256.Size]byte(r.Digest)
	}
	return p, nil
}

// Has reports whether PCR i holds a value.
func (p *PCRValues) Has(i int) bool { return i >= 0 && i < 24 && p.set&(1<<i) != 0 }

// Get returns a copy of PCR i's value and whether it holds one.
func (p *PCRValues) Get(i int) ([sha256.Size]byte, bool) {
	if !p.Has(i) {
		return [sha256.Size]byte{}, false
	}
	return p.v[i], true
}

// Len is the number of PCRs holding a value.
func (p *PCRValues) Len() int { return bits.OnesCount32(p.set) }

// Indices are the PCRs holding a value, in increasing order.
func (p *PCRValues) Indices() []int { return maskIndices(p.set) }

// only is p restricted to the PCRs in mask.
func (p *PCRValues) only(mask uint32) PCRValues {
	q := PCRValues{set: p.set & mask}
	for m := q.set; m != 0; m &= m - 1 {
		i := bits.TrailingZeros32(m)
		q.v[i] = p.v[i]
	}
	return q
}

// maskIndices are the set bits of mask, in increasing order.
func maskIndices(mask uint32) []int {
	idx := make([]int, 0, bits.OnesCount32(mask))
	for m := mask; m != 0; m &= m - 1 {
		idx = append(idx, bits.TrailingZeros32(m))
	}
	return idx
}
