package fleet

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sovbench/sovbench/fleet/api"
)

func TestChallengeBook(t *testing.T) {
	now := time.Now()
	b := newChallengeBook(time.Minute)
	b.now = func() time.Time { return now }
	add := func(agent, nonce string) string {
		id, err := b.add(challenge{agent: agent, suite: "s", nonce: nonce, expires: now.Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	t.Run("a challenge is spent once by its agent under its nonce", func(t *testing.T) {
		id := add("a", "n1")
		if _, err := b.spend(id, "a", "n1"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.spend(id, "a", "n1"); !errors.Is(err, ErrChallengeUsed) {
			t.Fatalf("got %v, want ErrChallengeUsed", err)
		}
	})
	t.Run("another agent cannot spend it, and its owner still can", func(t *testing.T) {
		id := add("a", "n2")
		if _, err := b.spend(id, "b", "n2"); !errors.Is(err, ErrChallengeForeign) {
			t.Fatalf("got %v, want ErrChallengeForeign", err)
		}
		if _, err := b.spend(id, "a", "n2"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("an answer under another nonce is refused and spends the challenge", func(t *testing.T) {
		id := add("a", "n3")
		if _, err := b.spend(id, "a", "n4"); !errors.Is(err, ErrChallengeNonce) {
			t.Fatalf("got %v, want ErrChallengeNonce", err)
		}
		if _, err := b.spend(id, "a", "n3"); !errors.Is(err, ErrChallengeUsed) {
			t.Fatalf("got %v, want ErrChallengeUsed", err)
		}
	})
	t.Run("an unknown challenge is refused", func(t *testing.T) {
		if _, err := b.spend("no-such-id", "a", "n1"); !errors.Is(err, ErrChallengeUnknown) {
			t.Fatalf("got %v, want ErrChallengeUnknown", err)
		}
	})
	t.Run("an expired challenge is refused, then forgotten", func(t *testing.T) {
		id := add("a", "n5")
		now = now.Add(2 * time.Minute)
		if _, err := b.spend(id, "a", "n5"); !errors.Is(err, ErrChallengeExpired) {
			t.Fatalf("got %v, want ErrChallengeExpired", err)
		}
		now = now.Add(2 * time.Minute)
		add("a", "n6") // sweeps
		if _, err := b.spend(id, "a", "n5"); !errors.Is(err, ErrChallengeUnknown) {
			t.Fatalf("got %v, want ErrChallengeUnknown after the sweep", err)
		}
		if b.perNonce["n5"] != 0 {
			t.Fatalf("per-nonce count of a forgotten nonce kept: %d", b.perNonce["n5"])
		}
	})
	t.Run("a nonce gets a bounded number of challenges", func(t *testing.T) {
		for i := 0; i < maxChallengesPerNonce; i++ {
			add("a", "n7")
		}
		if _, err := b.add(challenge{agent: "a", nonce: "n7", expires: now.Add(time.Minute)}); !errors.Is(err, errTooManyChallenges) {
			t.Fatalf("got %v, want errTooManyChallenges", err)
		}
	})
}

// FuzzActivateBody posts arbitrary bodies to /v1/activate as an enrolled
// agent: the verifier answers 200 or a 4xx refusal with a JSON code, never
// a 5xx or a panic.
func FuzzActivateBody(f *testing.F) {
	ts := newTestServer(f)
	c := ts.enrolled(f, "fuzz")
	n, err := c.Nonce(f.Context(), "fleet-host")
	if err != nil {
		f.Fatal(err)
	}
	good, _ := json.Marshal(api.ActivateRequest{Suite: "fleet-host", Nonce: n.Nonce})
	f.Add(good)
	f.Add([]byte(`{"suite":"fleet-host","nonce":"` + n.Nonce + `","ek":{"algorithm":"RSA","public":"MAo="},"ak":{"public":"AAE=","create_signature":"AAAAAAAAAAA="}}`))
	f.Add([]byte(`{"suite":"fleet-host","nonce":"AAAA"}`))
	f.Add([]byte(`{"ek":[]}`))
	h := ts.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/v1/activate", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+c.Credential)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == http.StatusOK {
			return
		}
		var ae api.Error
		if rec.Code >= 500 || json.Unmarshal(rec.Body.Bytes(), &ae) != nil || ae.Code == "" {
			t.Fatalf("status %d body %q for %q", rec.Code, rec.Body.String(), body)
		}
	})
}
