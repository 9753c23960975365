package attest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"syscall"
	"testing"
	"time"

	. "github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/attest/collect"
	"github.com/sovbench/sovbench/attest/collect/collecttest"
	"github.com/sovbench/sovbench/attest/swtpm/swtpmtest"
	"github.com/sovbench/sovbench/results"
)

// challenged runs a remote round on an open session: the verifier side
// (NewChallenge) challenges s's AK, the TPM answers, and s quotes. It
// closes s (the simulator holds few objects).
func challenged(t *testing.T, ctx context.Context, s *collect.Session, id string) (*results.TPMDetails, Pending) {
	t.Helper()
	defer s.Close()
	ch, p, err := NewChallenge(s.Request(), ChallengeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ch.ID, ch.Verifier = id, "test verifier"
	if err := s.Answer(ctx, ch); err != nil {
		t.Fatal(err)
	}
	d, err := s.Quote(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return clone(t, d), p
}

func TestRemoteActivation(t *testing.T) {
	defer collecttest.LockSimulator()()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dev, err := collect.Open(ctx, collect.KindSimulator)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	req := request(t, "remote activation")
	begin := func() *collect.Session {
		s, err := collect.Begin(ctx, dev, req)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	d1, p1 := challenged(t, ctx, begin(), "c1")
	d2, _ := challenged(t, ctx, begin(), "c2")

	t.Run("an answered challenge does not verify until the verifier confirms it", func(t *testing.T) {
		d := clone(t, d1)
		if d.Activation.Mode != results.ActivationVerifier || d.Activation.Activated || d.Activation.Commitment != nil {
			t.Fatalf("collector claimed more than it knows: %+v", d.Activation)
		}
		if _, err := Verify(d, opts(req)); stageOf(err) != StageActivation {
			t.Fatalf("got %v, want an activation failure", err)
		}
	})
	t.Run("the verifier confirms the right secret and the record then verifies", func(t *testing.T) {
		d := clone(t, d1)
		if err := ConfirmActivation(d, p1, "test verifier", testVerifierKey); err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(d, Options{VerifierNonce: req.VerifierNonce, EvidenceDigest: req.EvidenceDigest, AllowUnverifiedEK: true}); err != nil {
			t.Fatal(err)
		}
		if a := d.Activation; !a.Activated || a.Verifier != "test verifier" || a.ChallengeID != "c1" {
			t.Fatalf("record not completed: %+v", a)
		}
	})
	cases := []struct {
		name   string
		mutate func(d *results.TPMDetails)
		want   error
	}{
		{"a wrong secret is refused", func(d *results.TPMDetails) { d.Activation.Returned[0] ^= 1 }, ErrWrongSecret},
		{"a short secret is refused", func(d *results.TPMDetails) { d.Activation.Returned = d.Activation.Returned[:4] }, ErrWrongSecret},
		{"an AK swapped after activation is refused", func(d *results.TPMDetails) {
			a := d.Activation
			*d = *clone(t, d2)
			d.Activation = a
		}, ErrAKSwapped},
		{"another EK than the one challenged is refused", func(d *results.TPMDetails) {
			k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			d.EKs[0].Public, _ = x509.MarshalPKIXPublicKey(&k.PublicKey)
		}, ErrEKSwapped},
		{"a locally activated record is not a challenged one", func(d *results.TPMDetails) { d.Activation.Mode = results.ActivationLocal }, ErrNotChallenged},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := clone(t, d1)
			c.mutate(d)
			if err := ConfirmActivation(d, p1, "test verifier", testVerifierKey); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if d.Activation.Activated {
				t.Fatal("a refused activation was marked activated")
			}
		})
	}
	t.Run("a record claiming confirmation without naming the verifier fails", func(t *testing.T) {
		d := clone(t, d1)
		if err := ConfirmActivation(d, p1, "", testVerifierKey); err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(d, Options{VerifierNonce: req.VerifierNonce, EvidenceDigest: req.EvidenceDigest, AllowUnverifiedEK: true}); stageOf(err) != StageActivation {
			t.Fatalf("got %v, want an activation failure", err)
		}
	})
	t.Run("quoting with an AK that was never activated is refused", func(t *testing.T) {
		s := begin()
		defer s.Close()
		if _, err := s.Quote(ctx); err == nil {
			t.Fatal("quoted with an unactivated AK")
		}
	})
	t.Run("Collect asks the request's activator and answers its challenge", func(t *testing.T) {
		var p Pending
		r := req
		r.Activate = func(_ context.Context, ar ActivationRequest) (Challenge, error) {
			ch, pp, err := NewChallenge(ar, ChallengeOptions{})
			p, ch.ID, ch.Verifier = pp, "c3", "test verifier"
			return ch, err
		}
		d, err := collect.Collect(ctx, dev, r)
		if err != nil {
			t.Fatal(err)
		}
		if err := ConfirmActivation(d, p, "test verifier", testVerifierKey); err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(d, Options{VerifierNonce: req.VerifierNonce, EvidenceDigest: req.EvidenceDigest, AllowUnverifiedEK: true}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a refusing activator fails Collect", func(t *testing.T) {
		r := req
		r.Activate = func(context.Context, ActivationRequest) (Challenge, error) { return Challenge{}, errors.New("refused") }
		if _, err := collect.Collect(ctx, dev, r); err == nil {
			t.Fatal("collected without activation")
		}
	})
}

func stageOf(err error) Stage {
	var ve *VerifyError
	if errors.As(err, &ve) {
		return ve.Stage
	}
	var ce *EKChainError
	if errors.As(err, &ce) {
		return StageEKChain
	}
	return ""
}

// TestChallengeOverSwtpm runs the round against swtpm, whose EK has a
// certificate from swtpm's local CA.
func TestChallengeOverSwtpm(t *testing.T) {
	inst := swtpmtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dev, err := collect.Open(ctx, inst.Spec())
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	s, err := collect.Begin(ctx, dev, request(t, "swtpm challenge"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ar := s.Request()
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	otherEK, _ := x509.MarshalPKIXPublicKey(&other.PublicKey)
	wrongRoots := NewRootStore()
	wrongRoots.Add(dbCert(t), RootMaker, "unrelated", "", "test")
	cases := []struct {
		name   string
		mutate func(r *ActivationRequest)
		o      ChallengeOptions
		stage  Stage // "" when the request must be challenged
	}{
		{name: "an EK that chains to the verifier's roots is challenged", o: ChallengeOptions{Roots: swtpmRoots(t, inst)}},
		{name: "without roots the chain is left to the claims", o: ChallengeOptions{}},
		{name: "an EK that does not chain to the verifier's roots is refused", o: ChallengeOptions{Roots: wrongRoots}, stage: StageEKChain},
		{name: "an unverified chain is accepted when the verifier allows it", o: ChallengeOptions{Roots: wrongRoots, AllowUnverifiedEK: true}},
		{name: "an EK certificate for another key is refused", mutate: func(r *ActivationRequest) { r.EK.Public = otherEK }, stage: StageEKChain},
		{name: "an EK that does not parse is refused", mutate: func(r *ActivationRequest) { r.EK.Public = []byte{0x30, 1} }, stage: StageAK},
		{name: "an AK public area that does not parse is refused", mutate: func(r *ActivationRequest) { r.AK.Public = []byte{0, 1} }, stage: StageAK},
		{name: "an AK without its creation signature is refused", mutate: func(r *ActivationRequest) { r.AK.CreateSignature = nil }, stage: StageAK},
		{name: "oversized key material is refused", mutate: func(r *ActivationRequest) { r.EK.Certificate = make([]byte, 70<<10) }, stage: StageInput},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ar
			if c.mutate != nil {
				r = *cloneRequest(t, ar)
				c.mutate(&r)
			}
			_, _, err := NewChallenge(r, c.o)
			if got := stageOf(err); got != c.stage || (c.stage == "" && err != nil) {
				t.Fatalf("got %v (stage %q), want stage %q", err, got, c.stage)
			}
		})
	}
	t.Run("a challenge encrypted to another TPM's EK cannot be answered", func(t *testing.T) {
		r := *cloneRequest(t, ar)
		unlock := collecttest.LockSimulator()
		sim, err := collect.Open(ctx, collect.KindSimulator)
		if err == nil {
			var ss *collect.Session
			if ss, err = collect.Begin(ctx, sim, request(t, "sim EK")); err == nil {
				r.EK = ss.Request().EK
				ss.Close()
			}
			sim.Close()
		}
		unlock()
		if err != nil {
			t.Fatal(err)
		}
		r.EK.Certificate = nil
		ch, _, err := NewChallenge(r, ChallengeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Answer(ctx, ch); err == nil {
			t.Fatal("swtpm answered a challenge encrypted to the simulator's EK")
		}
	})
}

func cloneRequest(t testing.TB, r ActivationRequest) *ActivationRequest {
	t.Helper()
	b, _ := json.Marshal(r)
	out := new(ActivationRequest)
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// FuzzNewChallenge feeds arbitrary EK and AK bytes to the verifier's side
// of activation: it must refuse or challenge, never panic.
func FuzzNewChallenge(f *testing.F) {
	d := collectSim(f, request(f, "fuzz challenge"), true)
	f.Add(d.EKs[0].Public, d.EKs[0].Certificate, d.AK.Public, d.AK.CreateData, d.AK.CreateAttestation, d.AK.CreateSignature)
	f.Add(d.EKs[0].Public, []byte{0x30, 0x82, 0x01}, d.AK.Public[:8], d.AK.CreateData, d.AK.CreateAttestation[:10], []byte{0, 0x14, 0, 0x0b})
	f.Add([]byte{}, []byte{}, []byte{}, []byte{}, []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, ekPub, ekCert, akPub, createData, createAtt, createSig []byte) {
		r := ActivationRequest{EK: results.TPMEK{Public: ekPub, Certificate: ekCert},
			AK: results.TPMAK{Public: akPub, CreateData: createData, CreateAttestation: createAtt, CreateSignature: createSig}}
		ch, p, err := NewChallenge(r, ChallengeOptions{})
		if err == nil && (len(ch.Credential) == 0 || len(p.Secret) == 0) {
			t.Fatal("challenge without a credential or secret")
		}
	})
}

// BenchmarkActivationRound is the verifier's CPU cost of one activation:
// NewChallenge (AK checks, RSA-OAEP to the EK) plus ConfirmActivation, on
// the simulator's real EK and AK. It bounds how many TPM submissions per
// second the service can challenge next to verifying them.
func BenchmarkActivationRound(b *testing.B) {
	d := collectSim(b, request(b, "bench activation"), true)
	ar := ActivationRequest{EK: d.EKs[0], AK: d.AK}
	rec := *d
	rec.Activation = results.TPMActivation{Mode: results.ActivationVerifier, AKName: d.Activation.AKName}
	cpu := cpuTime(syscall.RUSAGE_SELF)
	b.ResetTimer()
	for b.Loop() {
		_, p, err := NewChallenge(ar, ChallengeOptions{})
		if err != nil {
			b.Fatal(err)
		}
		rec.Activation.Returned = p.Secret
		if err := ConfirmActivation(&rec, p, "bench", testVerifierKey); err != nil {
			b.Fatal(err)
		}
	}
	used := cpuTime(syscall.RUSAGE_SELF) - cpu
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "activations/s")
	if used > 0 {
		b.ReportMetric(float64(b.N)/used.Seconds(), "activations/cpu-s")
	}
}
