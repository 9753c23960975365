package attest

import (
	"encoding/binary"
	"sync"

	ga "github.com/google/go-attestation/attest"
	"github.com/google/go-tpm/legacy/tpm2"

	"github.com/sovbench/sovbench/results"
)

// AKCache remembers, across the reports one verifier reads, the AKs Verify
// has checked: that the AK's public area parses and is strong enough and
// that its certified creation is genuine for the recorded EK (checkAK). The
// reports of one host carry the same AK, and checking it costs a signature
// check and four decodings per report.
//
// An entry is keyed by every byte the check reads — the AK's public area,
// creation data, creation attestation and creation signature, and the EK's
// public key — never by a digest of them: a record that differs in any byte
// is checked anew. Only AKs that passed are kept. It is safe for concurrent
// use, the zero value is ready, and it holds at most akCacheSize AKs.
type AKCache struct {
	mu sync.Mutex
	m  map[string]*checkedAK
}

// akCacheSize bounds an AKCache; a full cache starts over.
const akCacheSize = 256

// checkedAK is an AK that passed checkAK, and its certified creation
// (nil when it does not decode).
type checkedAK struct {
	ak      *ga.AKPublic
	created *tpm2.AttestationData
}

// check returns checkAK's AK for d, from the cache when every byte checkAK
// reads is the same as an AK's that passed before. A nil cache checks.
func (c *AKCache) check(d *results.TPMDetails) (*checkedAK, error) {
	if c == nil || len(d.EKs) == 0 {
		return newCheckedAK(d)
	}
	key := akKey(d)
	c.mu.Lock()
	hit := c.m[key]
	c.mu.Unlock()
	if hit != nil {
		return hit, nil
	}
	ak, err := newCheckedAK(d)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= akCacheSize {
		c.m = map[string]*checkedAK{}
	}
	c.m[key] = ak
	c.mu.Unlock()
	return ak, nil
}

func newCheckedAK(d *results.TPMDetails) (*checkedAK, error) {
	ak, err := checkAK(d)
	if err != nil {
		return nil, err
	}
	return &checkedAK{ak: ak, created: creationInfo(d)}, nil
}

// akKey is every byte checkAK reads, each field prefixed by its length so
// that no two different records give the same key.
func akKey(d *results.TPMDetails) string {
	fields := [][]byte{d.AK.Public, d.AK.CreateData, d.AK.CreateAttestation, d.AK.CreateSignature, d.EKs[0].Public}
	n := 0
	for _, f := range fields {
		n += 8 + len(f)
	}
	b := make([]byte, 0, n)
	for _, f := range fields {
		b = binary.BigEndian.AppendUint64(b, uint64(len(f)))
		b = append(b, f...)
	}
	return string(b)
}
