package fleet

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/results"
)

// Refusals of an activation answer: each submission refused for its
// activation says which (code tpm_activation).
var (
	ErrChallengeUnknown  = errors.New("activation challenge unknown (never issued by this verifier, or forgotten after expiry)")
	ErrChallengeForeign  = errors.New("activation challenge was issued to another agent")
	ErrChallengeUsed     = errors.New("activation challenge already answered: replayed activation")
	ErrChallengeNonce    = errors.New("activation challenge was issued for another nonce (another run)")
	ErrChallengeExpired  = errors.New("activation challenge expired")
	errTooManyChallenges = errors.New("too many activation challenges for one nonce")
	errTPMActivation     = errors.New("TPM activation refused")
)

// Limits of the activation round.
const (
	maxActivateBody       = 256 << 10 // an EK certificate and AK parameters are a few kB
	maxChallengesPerNonce = 8         // one per TPM probe of a plan, with room for retries
)

// challenge is one activation challenge: the secret stays here, the agent
// gets the encrypted credential.
type challenge struct {
	agent, suite, nonce string
	pending             attest.Pending
	expires             time.Time
	used                bool
}

// challengeBook holds outstanding challenges in memory, like nonceBook: a
// challenge lives as long as the nonce it was issued under, a restart
// forgets them all (the agent's run then fails its activation and it asks
// again), and a used challenge is remembered until it expires so a replay
// is recognised.
type challengeBook struct {
	mu       sync.Mutex
	m        map[string]*challenge
	perNonce map[string]int
	now      func() time.Time
	swept    time.Time
	ttl      time.Duration
}

func newChallengeBook(ttl time.Duration) *challengeBook {
	return &challengeBook{m: map[string]*challenge{}, perNonce: map[string]int{}, now: time.Now, ttl: ttl}
}

// add records a challenge and returns its random ID.
func (b *challengeBook) add(c challenge) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweep(b.now())
	if b.perNonce[c.nonce] >= maxChallengesPerNonce {
		return "", errTooManyChallenges
	}
	id := uuid.NewString() // 122 random bits: unguessable
	b.m[id] = &c
	b.perNonce[c.nonce]++
	return id, nil
}

// spend marks a challenge used and returns it, if it belongs to agent and
// the run of nonce and has not expired or been used.
func (b *challengeBook) spend(id, agent, nonce string) (challenge, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.m[id]
	switch {
	case !ok:
		return challenge{}, ErrChallengeUnknown
	case c.used:
		return challenge{}, ErrChallengeUsed
	case c.agent != agent:
		return challenge{}, ErrChallengeForeign // not spent: the owner may still answer it
	}
	c.used = true
	switch {
	case c.nonce != nonce:
		return challenge{}, ErrChallengeNonce
	case b.now().After(c.expires):
		return challenge{}, ErrChallengeExpired
	}
	return *c, nil
}

// sweep forgets challenges expired for longer than one lifetime, at most
// once per lifetime; b.mu is held.
func (b *challengeBook) sweep(now time.Time) {
	if now.Sub(b.swept) < b.ttl {
		return
	}
	b.swept = now
	for k, c := range b.m {
		if now.Sub(c.expires) > b.ttl {
			delete(b.m, k)
			if b.perNonce[c.nonce]--; b.perNonce[c.nonce] <= 0 {
				delete(b.perNonce, c.nonce)
			}
		}
	}
}

// tpmRoots are the trust anchors of TPM claims and endorsed-only challenges
// (NewServer sets the bundle when the configuration has none).
func (s *Server) tpmRoots() *attest.RootStore { return s.cfg.TPMRoots }

// verifierName is how reports name this service as the activation's
// verifier: its signing key, which also signs the report.
func (s *Server) verifierName() string { return "sovbench serve, key " + s.cfg.Key.ID }

// activate answers POST /v1/activate: for an outstanding nonce of this
// agent, it checks the EK and AK (attest.NewChallenge) and returns a
// credential encrypted to the EK for the AK, keeping the secret.
func (s *Server) activate(w http.ResponseWriter, r *http.Request) {
	var req api.ActivateRequest
	if !decodeBody(w, r, maxActivateBody, &req) {
		s.metrics.activations.WithLabelValues(api.CodeBadRequest).Inc()
		return
	}
	a := agentOf(r)
	if _, _, ok := s.suiteTarget(w, req.Suite, a); !ok {
		s.metrics.activations.WithLabelValues(api.CodeBadRequest).Inc()
		return
	}
	is, err := s.nonces.valid(a.ID, req.Suite, req.Nonce)
	if err != nil {
		s.metrics.activations.WithLabelValues(nonceCode(err)).Inc()
		refuse(w, nonceStatus(err), nonceCode(err), fmt.Errorf("activation refused: %w", err))
		return
	}
	ch, p, err := attest.NewChallenge(attest.ActivationRequest{EK: req.EK, AK: req.AK}, attest.ChallengeOptions{Roots: s.tpmRoots(), AllowUnverifiedEK: !s.cfg.ChallengeEndorsedOnly})
	if err != nil {
		s.metrics.activations.WithLabelValues(api.CodeTPMActivation).Inc()
		refuse(w, http.StatusUnprocessableEntity, api.CodeTPMActivation, fmt.Errorf("activation refused: %w", err))
		return
	}
	ch.ID, err = s.challenges.add(challenge{agent: a.ID, suite: req.Suite, nonce: req.Nonce, pending: p, expires: is.expires})
	if err != nil {
		s.metrics.activations.WithLabelValues(api.CodeTPMActivation).Inc()
		refuse(w, http.StatusTooManyRequests, api.CodeTPMActivation, fmt.Errorf("activation refused: %w", err))
		return
	}
	ch.Verifier = s.verifierName()
	s.metrics.activations.WithLabelValues("challenged").Inc()
	writeJSON(w, http.StatusOK, api.ActivateResponse{Challenge: ch, Expires: is.expires.UTC()})
}

// confirmActivations requires every TPM record of a submission to answer a
// challenge this service issued to agent under nonce, each once, and
// completes the records as confirmed (attest.ConfirmActivation) before
// anything is evaluated, verified or signed.
func (s *Server) confirmActivations(ev []results.Evidence, agent, nonce string) error {
	for i := range ev {
		e := &ev[i]
		if e.TPM == nil || e.Failure != nil {
			continue
		}
		if mode := e.TPM.Activation.Mode; mode != results.ActivationVerifier {
			if mode == "" {
				mode = results.ActivationLocal
			}
			return fmt.Errorf("%w: %s: %w (activation mode %q)", errTPMActivation, e.ID, attest.ErrNotChallenged, mode)
		}
		c, err := s.challenges.spend(e.TPM.Activation.ChallengeID, agent, nonce)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", errTPMActivation, e.ID, err)
		}
		if err := attest.ConfirmActivation(e.TPM, c.pending, s.verifierName(), s.cfg.Key.ID); err != nil {
			return fmt.Errorf("%w: %s: %w", errTPMActivation, e.ID, err)
		}
	}
	return nil
}
