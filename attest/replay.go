package attest

import (
	"bytes"
	"crypto/x509"
	"sync"
)

// ReplayCache remembers the nonces of accepted quotes, so a verifier that
// sees many reports (continuous monitoring) rejects a quote it has seen. It
// forgets the oldest entry beyond Max (default 1<<20). Safe for concurrent use.
type ReplayCache struct {
	Max   int
	mu    sync.Mutex
	seen  map[string]struct{}
	order []string
}

// add records nonce and reports whether it was new.
func (c *ReplayCache) add(nonce []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[string]struct{}{}
	}
	k := string(nonce)
	if _, ok := c.seen[k]; ok {
		return false
	}
	c.seen[k] = struct{}{}
	c.order = append(c.order, k)
	limit := c.Max
	if limit <= 0 {
		limit = 1 << 20
	}
	for len(c.order) > limit {
		delete(c.seen, c.order[0])
		c.order = c.order[1:]
	}
	return true
}

func samePublic(a, b any) bool {
	x, err1 := x509.MarshalPKIXPublicKey(a)
	y, err2 := x509.MarshalPKIXPublicKey(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}
