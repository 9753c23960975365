package attest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-tpm/legacy/tpm2"

	. "github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/attest/collect"
	"github.com/sovbench/sovbench/attest/collect/collecttest"
	"github.com/sovbench/sovbench/results"
)

// twoRuns collects two runs from one simulator, and one run from another.
func twoRuns(t *testing.T) (a, b, other *results.TPMDetails, reqA, reqB collect.Request) {
	t.Helper()
	unlock := collecttest.LockSimulator()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dev, err := collect.Open(ctx, collect.KindSimulator)
	if err != nil {
		unlock()
		t.Fatal(err)
	}
	log, err := dev.Measure(ctx, collect.BootProfile("reject test", true, dbCert(t)))
	if err != nil {
		t.Fatal(err)
	}
	reqA, reqB = request(t, "run A"), request(t, "run B")
	reqA.EventLog, reqB.EventLog = log, log
	if a, err = collect.Collect(ctx, dev, reqA); err != nil {
		t.Fatal(err)
	}
	if b, err = collect.Collect(ctx, dev, reqB); err != nil {
		t.Fatal(err)
	}
	dev.Close()
	unlock()
	other = collectSim(t, request(t, "other TPM"), true)
	return a, b, other, reqA, reqB
}

// clone deep-copies evidence through JSON, as a report round trip would.
func clone(t *testing.T, d *results.TPMDetails) *results.TPMDetails {
	t.Helper()
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var c results.TPMDetails
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func craftedAK(t *testing.T, pub tpm2.Public) []byte {
	t.Helper()
	b, err := pub.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyRejects(t *testing.T) {
	a, b, other, reqA, reqB := twoRuns(t)
	base := opts(reqA)
	base.AllowUnverifiedEK = true
	if _, err := Verify(a, base); err != nil {
		t.Fatalf("untampered evidence rejected: %v", err)
	}
	stage := func(s Stage) func(error) bool {
		return func(err error) bool {
			var v *VerifyError
			return errors.As(err, &v) && v.Stage == s
		}
	}
	is := func(target any) func(error) bool {
		return func(err error) bool { return errors.As(err, target) }
	}
	var (
		nonceErr *NonceMismatchError
		pcrErr   *PCRMismatchError
		sigErr   *SignatureError
		ekErr    *EKChainError
		incErr   *InconsistentError
	)
	rsaNoScheme := tpm2.Public{Type: tpm2.AlgRSA, NameAlg: tpm2.AlgSHA256,
		Attributes:    tpm2.FlagSignerDefault,
		RSAParameters: &tpm2.RSAParams{KeyBits: 2048, ModulusRaw: make([]byte, 256)}}
	eccNoScheme := tpm2.Public{Type: tpm2.AlgECC, NameAlg: tpm2.AlgSHA256,
		Attributes:    tpm2.FlagSignerDefault,
		ECCParameters: &tpm2.ECCParams{CurveID: tpm2.CurveNISTP256, Point: tpm2.ECPoint{XRaw: make([]byte, 32), YRaw: make([]byte, 32)}}}
	tests := []struct {
		name   string
		tamper func(d *results.TPMDetails, o *Options)
		match  func(error) bool
	}{
		{"a wrong verifier nonce is rejected", func(d *results.TPMDetails, o *Options) { o.VerifierNonce = reqB.VerifierNonce }, is(&nonceErr)},
		{"evidence changed after the quote is rejected", func(d *results.TPMDetails, o *Options) { o.EvidenceDigest = reqB.EvidenceDigest }, is(&nonceErr)},
		{"a quote replayed from another run is rejected", func(d *results.TPMDetails, o *Options) {
			// The whole attestation of run B: its AK, activation, quote and PCRs.
			d.AK, d.Activation, d.Quotes, d.PCRs = b.AK, b.Activation, b.Quotes, b.PCRs
		}, is(&nonceErr)},
		{"a tampered PCR value is rejected", func(d *results.TPMDetails, o *Options) { d.PCRs[7].Digest[0] ^= 1 }, is(&pcrErr)},
		{"a tampered quote is rejected", func(d *results.TPMDetails, o *Options) { d.Quotes[0].Quote[len(d.Quotes[0].Quote)-1] ^= 1 }, is(&sigErr)},
		{"a tampered event digest is rejected", func(d *results.TPMDetails, o *Options) {
			ev := collect.BootProfile("reject test", true, dbCert(t))
			ev[1].Digest = make([]byte, 32)
			d.EventLog = EncodeEventLog(ev)
		}, func(err error) bool { return errors.As(err, &pcrErr) && len(pcrErr.PCRs) == 1 && pcrErr.PCRs[0] == 7 }},
		{"an event log that does not parse is rejected", func(d *results.TPMDetails, o *Options) { d.EventLog = d.EventLog[:len(d.EventLog)-3] }, stage(StageEventLog)},
		{"an AK from another TPM is rejected", func(d *results.TPMDetails, o *Options) {
			d.AK, d.Quotes = other.AK, other.Quotes
		}, stage(StageActivation)},
		{"an AK from another run of the same TPM is rejected", func(d *results.TPMDetails, o *Options) { d.AK = b.AK }, stage(StageActivation)},
		{"an activation whose secret does not match its commitment is rejected", func(d *results.TPMDetails, o *Options) { d.Activation.Returned[0] ^= 1 }, stage(StageActivation)},
		{"evidence without activation is rejected", func(d *results.TPMDetails, o *Options) { d.Activation.Activated = false }, stage(StageActivation)},
		{"a crafted AK without an RSA signing scheme is rejected", func(d *results.TPMDetails, o *Options) { d.AK.Public = craftedAK(t, rsaNoScheme) }, stage(StageAK)},
		{"a crafted AK without an ECC signing scheme is rejected", func(d *results.TPMDetails, o *Options) { d.AK.Public = craftedAK(t, eccNoScheme) }, stage(StageAK)},
		{"a crafted AK that is not restricted is rejected", func(d *results.TPMDetails, o *Options) {
			pub, _ := tpm2.DecodePublic(d.AK.Public)
			pub.Attributes &^= tpm2.FlagRestricted
			d.AK.Public = craftedAK(t, pub)
		}, stage(StageAK)},
		// Each alone is a byte checkAK reads that the AK cache's key must hold.
		{"a creation signature from another run is rejected", func(d *results.TPMDetails, o *Options) { d.AK.CreateSignature = b.AK.CreateSignature }, stage(StageAK)},
		{"a creation attestation from another run is rejected", func(d *results.TPMDetails, o *Options) { d.AK.CreateAttestation = b.AK.CreateAttestation }, stage(StageAK)},
		{"edited creation data is rejected", func(d *results.TPMDetails, o *Options) { d.AK.CreateData[len(d.AK.CreateData)-1] ^= 1 }, stage(StageAK)},
		{"a truncated AK is rejected", func(d *results.TPMDetails, o *Options) { d.AK.Public = d.AK.Public[:10] }, stage(StageAK)},
		{"a weak RSA AK is rejected", func(d *results.TPMDetails, o *Options) {
			pub, _ := tpm2.DecodePublic(d.AK.Public)
			pub.RSAParameters.ModulusRaw = big.NewInt(3).Bytes()
			d.AK.Public = craftedAK(t, pub)
		}, stage(StageAK)},
		{"an EK without a certificate is rejected when the chain is required", func(d *results.TPMDetails, o *Options) {
			o.AllowUnverifiedEK = false
			o.Roots = BundledRoots()
		}, is(&ekErr)},
		{"a missing event log is rejected when required", func(d *results.TPMDetails, o *Options) {
			d.EventLog = nil
			o.RequireEventLog = true
		}, stage(StageEventLog)},
		{"a SHA-1 PCR is rejected", func(d *results.TPMDetails, o *Options) { d.PCRs[0].Bank = "sha1" }, stage(StageInput)},
		// Quote consistency: the readable copies must be what the TPM signed.
		{"a firmware version other than the one inside the signed quote is rejected", func(d *results.TPMDetails, o *Options) { d.Firmware = "7.85" }, is(&incErr)},
		{"a clock other than the signed one is rejected", func(d *results.TPMDetails, o *Options) { d.Clock.ClockMS += 1000 }, is(&incErr)},
		{"a reset count other than the signed one is rejected", func(d *results.TPMDetails, o *Options) { d.Clock.ResetCount++ }, is(&incErr)},
		{"a restart count other than the signed one is rejected", func(d *results.TPMDetails, o *Options) { d.Clock.RestartCount++ }, is(&incErr)},
		// Activation records that name a verifier key.
		{"a local activation naming a verifier key is rejected", func(d *results.TPMDetails, o *Options) {
			d.Activation.VerifierKey = testVerifierKey
		}, stage(StageActivation)},
		{"a verifier activation without the verifier's key id is rejected", func(d *results.TPMDetails, o *Options) {
			d.Activation.Mode, d.Activation.Verifier, d.Activation.ChallengeID = results.ActivationVerifier, "sovbench serve", "c1"
		}, stage(StageActivation)},
		{"a verifier activation whose key id is not a key id is rejected", func(d *results.TPMDetails, o *Options) {
			d.Activation.Mode, d.Activation.Verifier, d.Activation.ChallengeID = results.ActivationVerifier, "sovbench serve", "c1"
			d.Activation.VerifierKey = "sovbench serve"
		}, stage(StageActivation)},
	}
	// Each tampering is rejected alike with no AK cache and with one that
	// holds the genuine AK (a record differing in any byte checkAK reads is
	// checked anew).
	warm := &AKCache{}
	if _, err := Verify(a, Options{AKs: warm, VerifierNonce: base.VerifierNonce, EvidenceDigest: base.EvidenceDigest, AllowUnverifiedEK: true}); err != nil {
		t.Fatal(err)
	}
	for _, aks := range []*AKCache{nil, warm} {
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%s (AK cache %t)", tc.name, aks != nil), func(t *testing.T) {
				d, o := clone(t, a), base
				o.AKs = aks
				tc.tamper(d, &o)
				p, err := Verify(d, o)
				if err == nil || p != nil {
					t.Fatalf("accepted: %+v", p)
				}
				if !tc.match(err) {
					t.Fatalf("rejected for the wrong reason: %v", err)
				}
				t.Log(err)
			})
		}
	}
	t.Run("an AK from the cache gives the platform a fresh check gives", func(t *testing.T) {
		o := base
		o.AKs = warm
		cached, err := Verify(clone(t, a), o)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := Verify(clone(t, a), base)
		if err != nil {
			t.Fatal(err)
		}
		cached.Boot, fresh.Boot = nil, nil // replay memo state, not AK facts
		if !reflect.DeepEqual(cached, fresh) {
			t.Fatalf("cached AK: %+v\nfresh check: %+v", cached, fresh)
		}
	})
	t.Run("a quote accepted once is rejected the second time", func(t *testing.T) {
		o := base
		o.Replay = &ReplayCache{}
		if _, err := Verify(a, o); err != nil {
			t.Fatal(err)
		}
		_, err := Verify(a, o)
		var re *ReplayError
		if !errors.As(err, &re) {
			t.Fatalf("got %v, want *ReplayError", err)
		}
	})
	t.Run("a secure-boot variable edited after measurement leaves the state unknown", func(t *testing.T) {
		// The replay checks PCR 7's variable data only when the secure-boot
		// state is read (lazily): the edit must show there, never as a state.
		d := clone(t, a)
		ev := collect.BootProfile("reject test", true, dbCert(t))
		ev[1].Digest = ev[1].Measurement()
		ev[1].Data = collect.BootProfile("reject test", false, nil)[1].Data // the SecureBoot variable, off
		d.EventLog = EncodeEventLog(ev)
		p, err := Verify(d, base)
		if err != nil {
			t.Fatalf("the quote and the replay are genuine, yet: %v", err)
		}
		if sb := p.Boot.SecureBoot(); sb.Known || !strings.Contains(sb.Reason, "does not hash to its measured digest") {
			t.Fatalf("secure boot %+v, want unknown because the data does not hash to its digest", sb)
		}
		honest, err := Verify(clone(t, a), base)
		if err != nil || !honest.Boot.SecureBoot().Known || !honest.Boot.SecureBoot().Enabled {
			t.Fatalf("the untampered log: %v, %+v", err, honest)
		}
	})
	t.Run("log bytes changed after the replay are replayed again, never read", func(t *testing.T) {
		// Verify may answer from the boot memo (its own copy of the log);
		// the cold replay keeps the caller's bytes, so it is the case here.
		d := clone(t, a)
		if _, err := Verify(d, base); err != nil {
			t.Fatal(err)
		}
		pcrs := map[int][]byte{}
		for _, r := range d.PCRs {
			pcrs[r.Index] = r.Digest
		}
		st, err := ReplayLogCold(d.EventLog, PCRsOf(pcrs))
		if err != nil {
			t.Fatal(err)
		}
		ev := collect.BootProfile("reject test", true, dbCert(t))
		ev[1].Digest = ev[1].Measurement()
		ev[1].Data = collect.BootProfile("reject test", false, nil)[1].Data // off, as the edit's reading would say
		edited := EncodeEventLog(ev)
		if len(edited) != len(d.EventLog) {
			t.Fatalf("the edit changes the log's length (%d → %d)", len(d.EventLog), len(edited))
		}
		copy(d.EventLog, edited)
		if sb := st.SecureBoot(); sb.Known {
			t.Fatalf("secure boot %+v read from bytes changed after the replay", sb)
		}
	})
	t.Run("a swtpm-like TPM relabelled as a device is still not hardware", func(t *testing.T) {
		d := clone(t, a)
		d.Kind, d.Simulated = collect.KindDevice, false
		o := base
		o.Roots = BundledRoots()
		p, err := Verify(d, o)
		if err != nil {
			t.Fatal(err)
		}
		if c, _, why := p.Classify(nil); c != ClassUnendorsed {
			t.Fatalf("relabelled simulator is %s (%s), want unendorsed", c, why)
		}
	})
}

func TestRecordVerifier(t *testing.T) {
	req := request(t, "record")
	d := collectSim(t, req, true)
	check := RecordVerifier(nil)
	t.Run("a record verifies against the digest it was made for", func(t *testing.T) {
		if err := check(&results.Evidence{TPM: d}, req.EvidenceDigest); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a record fails against another report's digest", func(t *testing.T) {
		other := request(t, "another report")
		if err := check(&results.Evidence{TPM: d}, other.EvidenceDigest); !isNonceMismatch(err) {
			t.Fatalf("got %v, want *NonceMismatchError", err)
		}
	})
}
