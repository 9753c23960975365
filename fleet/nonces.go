package fleet

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
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

// tooManyNoncesError refuses a nonce to an agent that holds the most
// outstanding nonces allowed; freeAt is when the first of them expires.
type tooManyNoncesError struct {
	max    int
	freeAt time.Time
}

func (e *tooManyNoncesError) Error() string {
	return fmt.Sprintf("this agent holds %d outstanding nonces, the most allowed: submit or let one expire (the first at %s)", e.max, e.freeAt.UTC().Format(time.RFC3339))
}

// nonceBook holds issued nonces in memory: a restart invalidates every
// outstanding nonce, which is safe (agents ask again). Used nonces are kept
// until they expire, so a replay within the lifetime is recognised, and
// after it the nonce is refused as unknown. An agent holds at most max
// outstanding (unused, unexpired) nonces, so that no agent can grow the
// book: a flood of requests gets tooManyNoncesError.
type nonceBook struct {
	mu       sync.Mutex
	ttl      time.Duration
	max      int
	m        map[string]*issued
	perAgent map[string][]*issued // outstanding ones, pruned on issue
	now      func() time.Time
	swept    time.Time
}

func newNonceBook(ttl time.Duration, max int) *nonceBook {
	return &nonceBook{ttl: ttl, max: max, m: map[string]*issued{}, perAgent: map[string][]*issued{}, now: time.Now}
}

// issue draws a fresh 32-byte nonce for agent and suite, with the run ID the
// report will carry (the evidence digest covers it).
func (b *nonceBook) issue(agent, suite string) (nonce string, is issued, err error) {
	raw := make([]byte, 32)
	rand.Read(raw) // never fails (crypto/rand panics rather)
	nonce = base64.StdEncoding.EncodeToString(raw)
	now := b.now()
	is = issued{agent: agent, suite: suite, runID: uuid.Must(uuid.NewV7()).String(), at: now, expires: now.Add(b.ttl)}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweep(now)
	held := slices.DeleteFunc(b.perAgent[agent], func(o *issued) bool { return o.used || now.After(o.expires) })
	if len(held) >= b.max {
		b.perAgent[agent] = held
		return "", issued{}, &tooManyNoncesError{max: b.max, freeAt: held[0].expires}
	}
	b.m[nonce] = &is
	b.perAgent[agent] = append(held, &is)
	return nonce, is, nil
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
	for agent, held := range b.perAgent {
		if held = slices.DeleteFunc(held, func(o *issued) bool { return o.used || now.After(o.expires) }); len(held) == 0 {
			delete(b.perAgent, agent)
		} else {
			b.perAgent[agent] = held
		}
	}
}
