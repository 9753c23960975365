package attest

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"slices"
	"sync"
)

// ReplayCache remembers the nonces of accepted quotes, so a verifier that
// sees many reports (continuous monitoring) rejects a quote it has seen. It
// forgets the oldest entry beyond Max (default 1<<20). Safe for concurrent use.
type ReplayCache struct {
	Max  int
	mu   sync.Mutex
	seen map[[sha256.Size]byte]struct{}
	ring [][sha256.Size]byte // the nonces in the order seen, once full a ring
	next int                 // the oldest entry of a full ring
}

// add records nonce, a quote's qualifying data (QuoteNonce: 32 bytes), and
// reports whether it was new. Keys are the nonce's bytes themselves, fixed
// size: no string per quote.
func (c *ReplayCache) add(nonce [sha256.Size]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[[sha256.Size]byte]struct{}{}
	}
	if _, ok := c.seen[nonce]; ok {
		return false
	}
	c.seen[nonce] = struct{}{}
	limit := c.Max
	if limit <= 0 {
		limit = 1 << 20
	}
	if len(c.ring) != limit && c.next != 0 {
		// Max changed since the ring filled and turned: oldest first
		// again, so that appending (Max raised) keeps the age order.
		c.ring, c.next = slices.Concat(c.ring[c.next:], c.ring[:c.next]), 0
	}
	if len(c.ring) > limit { // Max lowered since the ring filled: keep the newest
		for _, n := range c.ring[:len(c.ring)-limit] {
			delete(c.seen, n)
		}
		c.ring = c.ring[len(c.ring)-limit:]
	}
	if len(c.ring) < limit {
		c.ring = append(c.ring, nonce)
		return true
	}
	delete(c.seen, c.ring[c.next])
	c.ring[c.next] = nonce
	c.next = (c.next + 1) % len(c.ring)
	return true
}

func samePublic(a, b any) bool {
	x, err1 := x509.MarshalPKIXPublicKey(a)
	y, err2 := x509.MarshalPKIXPublicKey(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}
