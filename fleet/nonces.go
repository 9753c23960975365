package fleet

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Nonce errors: each submission refused for its nonce says which.
var (
	ErrNonceUnknown = errors.New("nonce unknown (never issued, or issued to another agent)")
	ErrNonceUsed    = errors.New("nonce already used: replayed submission")
	ErrNonceExpired = errors.New("nonce expired")
)

// issued is one nonce handed to an agent.
type issued struct {
	agent   string
	suite   string
	runID   string
	at      time.Time
	expires time.Time
	used    bool
}

// nonceBook holds issued nonces in memory: a restart invalidates every
// outstanding nonce, which is safe (agents ask again). Used nonces are kept
// until they expire, so a replay within the lifetime is recognised, and
// after it the nonce is refused as unknown.
type nonceBook struct {
	mu    sync.Mutex
	ttl   time.Duration
	m     map[string]*issued
	now   func() time.Time
	swept time.Time
}

func newNonceBook(ttl time.Duration) *nonceBook {
	return &nonceBook{ttl: ttl, m: map[string]*issued{}, now: time.Now}
}

// issue draws a fresh 32-byte nonce for agent and suite, with the run ID the
// report will carry (the evidence digest covers it).
func (b *nonceBook) issue(agent, suite string) (nonce string, is issued) {
	raw := make([]byte, 32)
	rand.Read(raw) // never fails (crypto/rand panics rather)
	nonce = base64.StdEncoding.EncodeToString(raw)
	now := b.now()
	is = issued{agent: agent, suite: suite, runID: uuid.Must(uuid.NewV7()).String(), at: now, expires: now.Add(b.ttl)}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweep(now)
	b.m[nonce] = &is
	return nonce, is
}

// spend marks the nonce used and returns what it was issued for.
func (b *nonceBook) spend(agent, suite, nonce string) (issued, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	is, err := b.lookup(agent, suite, nonce)
	if err != nil {
		return issued{}, err
	}
	is.used = true
	return *is, nil
}

// valid returns what an outstanding nonce was issued for without spending
// it (an activation challenge belongs to the run the nonce opened).
func (b *nonceBook) valid(agent, suite, nonce string) (issued, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	is, err := b.lookup(agent, suite, nonce)
	if err != nil {
		return issued{}, err
	}
	return *is, nil
}

// lookup finds an unused, unexpired nonce of agent and suite; b.mu is held.
func (b *nonceBook) lookup(agent, suite, nonce string) (*issued, error) {
	is, ok := b.m[nonce]
	if !ok || subtle.ConstantTimeCompare([]byte(is.agent), []byte(agent)) != 1 || is.suite != suite {
		return nil, ErrNonceUnknown
	}
	if is.used {
		return nil, ErrNonceUsed
	}
	if b.now().After(is.expires) {
		return nil, ErrNonceExpired
	}
	return is, nil
}

// sweep forgets nonces expired for longer than one lifetime; it walks the
// book at most once per lifetime, so issuing stays O(1) on average.
func (b *nonceBook) sweep(now time.Time) {
	if now.Sub(b.swept) < b.ttl {
		return
	}
	b.swept = now
	for k, is := range b.m {
		if now.Sub(is.expires) > b.ttl {
			delete(b.m, k)
		}
	}
}
