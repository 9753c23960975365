package verify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/attest/collect"
	"github.com/sovbench/sovbench/attest/collect/collecttest"
	"github.com/sovbench/sovbench/attest/swtpm"
	"github.com/sovbench/sovbench/attest/swtpm/swtpmtest"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/sign"
	"github.com/sovbench/sovbench/scenarios/claims"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// The forgery catalogue (#18): what a provider that controls its hosts and
// signs its own reports can do to make TPM verdicts pass, each next to its
// honest twin. A forgery is refused by verify, or its TPM verdicts
// re-evaluate to inconclusive or fail with the reason: never a pass.

const hardwareSuite = `suite: tpm-hardware
provider: {name: Acme}
targets: [{name: h1}]
probes:
  - probe: host
  - probe: tpm
claims:
  - tpm.required: {hardware: true}
  - tpm.manufacturer_in: {manufacturers: [IFX]}
  - tpm.required: {}
`

// forgeryLab is the cast: the auditor's verifier key, the provider's own
// key, a maker CA made under Infineon's name (the verifiers hold it as
// --tpm-roots DIR/maker), TPM A (a "genuine Infineon", its EK endorsed by
// that CA) and TPM B (a software TPM nobody endorses).
type forgeryLab struct {
	serve, provider *sign.Key
	roots           *attest.RootStore
	maker           *collecttest.CA
	a, b            *swtpm.Instance
	aDev, bDev      string // A and B behind pseudo-terminals: devices by path
	req             collect.Request
	base            *results.Report
}

func newForgeryLab(t *testing.T) *forgeryLab {
	l := &forgeryLab{serve: newKey(t, sign.KeyEd25519), provider: newKey(t, sign.KeyEd25519)}
	l.maker = collecttest.NewCA(t, collecttest.InfineonRoot)
	l.roots = attest.BundledRoots()
	if err := l.roots.LoadDir(l.maker.WriteRoots(t, "maker", "infineon-test")); err != nil {
		t.Fatal(err)
	}
	l.a, l.b = swtpmtest.Start(t), swtpmtest.Start(t)
	s, err := suite.Parse("hw.yaml", []byte(hardwareSuite))
	if err != nil {
		t.Fatal(err)
	}
	l.base = &results.Report{Schema: results.Schema, RunID: "forgery", Status: results.RunComplete,
		Suite:    results.SuiteRef{Name: s.Name, Path: s.Path, SHA256: s.SHA256, Source: string(s.Source)},
		Provider: s.Provider, Targets: []results.Target{{Name: "h1", Kind: "local"}}, Started: time.Now().UTC(),
		Evidence: []results.Evidence{{ID: "h1/host", Probe: "host", ProbeVersion: "1", Target: "h1", Start: time.Now().UTC(),
			Host: &results.HostDetails{}}}}
	l.req = collecttest.Request(t, "")
	l.req.EvidenceDigest = results.EvidenceDigest(l.base, "h1")
	return l
}

// genuineA is TPM A, opened as a device the way a real chip is, challenged
// by the auditor's verifier as serve does.
func (l *forgeryLab) genuineA(t *testing.T) *results.TPMDetails {
	return collecttest.Remote(t, l.aDev, l.req, l.serve.ID, func(ek *results.TPMEK) { l.maker.EndorseEK(t, ek) })
}

// local collects from spec with local activation (the collector's word),
// on a TPM that booted with log (nil: it boots now).
func (l *forgeryLab) local(t *testing.T, spec string, log []byte) *results.TPMDetails {
	req := l.req
	req.EventLog = log
	return collecttest.Device(t, spec, req)
}

// report is the base report with d as h1's TPM record, evaluated by the
// signer k as sovbench would (the forger evaluates honestly: its lies are
// in the evidence), with verdicts maybe overwritten by lie.
func (l *forgeryLab) report(t *testing.T, d *results.TPMDetails, k *sign.Key) *results.Report {
	rep := *l.base
	rep.Evidence = append(append([]results.Evidence(nil), l.base.Evidence...),
		results.Evidence{ID: "h1/tpm", Probe: "tpm", ProbeVersion: "1", Target: "h1", Start: time.Now().UTC(), TPM: d})
	rep.Verdicts = l.evaluate(&rep, k, nil)
	return &rep
}

// evaluate judges rep's claims as a verifier trusting verifiers (nil: the
// signer) does when k signed the report.
func (l *forgeryLab) evaluate(rep *results.Report, k *sign.Key, verifiers []string) []results.Verdict {
	s, _ := suite.Parse("hw.yaml", []byte(hardwareSuite))
	return claims.EvaluateIn(claims.Context{Signer: k.ID, TPMRoots: l.roots, Verifiers: verifiers}, s.Claims, s.TargetNames(), rep.Evidence)
}

func (l *forgeryLab) verifier(verifiers ...string) *Verifier {
	return &Verifier{Keys: []*sign.PublicKey{l.serve.Public(), l.provider.Public()}, TPMRoots: l.roots, TPMVerifiers: verifiers}
}

func cloneTPM(t *testing.T, d *results.TPMDetails) *results.TPMDetails {
	b, _ := json.Marshal(d)
	var c results.TPMDetails
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func TestForgeryCatalogue(t *testing.T) {
	l := newForgeryLab(t)
	l.aDev = swtpmtest.PTY(t, l.a)
	genuine := l.genuineA(t)
	aLocal := l.local(t, l.aDev, genuine.EventLog)
	aLocal.EKs[0] = genuine.EKs[0] // A's EK as the maker endorsed it
	// B as the collector honestly records it (simulated), then behind a
	// PTY (a device to anything judging by the path): the forgers start
	// from the latter, which claims nothing against their interest.
	bSim := l.local(t, l.b.Spec(), nil)
	l.bDev = swtpmtest.PTY(t, l.b)
	bPTY := l.local(t, l.bDev, bSim.EventLog)

	t.Run("honest twin: TPM A challenged by the auditor's verifier is hardware, and verifies", func(t *testing.T) {
		rep := l.report(t, genuine, l.serve)
		expect(t, rep, map[string]results.Status{"tpm.required: {hardware: true}": results.StatusPass,
			"tpm.manufacturer_in: {manufacturers: [IFX]}": results.StatusPass, "tpm.required: {}": results.StatusPass})
		res := l.verifier(l.serve.ID).Envelope(context.Background(), "genuine", signed(t, rep, l.serve))
		if !res.OK() {
			t.Fatalf("the genuine report does not verify: %v", res.Failures())
		}
	})
	t.Run("honest twin: TPM B as the collector records it is software, and verifies", func(t *testing.T) {
		rep := l.report(t, bSim, l.provider)
		expect(t, rep, map[string]results.Status{"tpm.required: {hardware: true}": results.StatusFail,
			"tpm.manufacturer_in: {manufacturers: [IFX]}": results.StatusFail, "tpm.required: {}": results.StatusFail})
		if res := l.verifier().Envelope(context.Background(), "sim", signed(t, rep, l.provider)); !res.OK() {
			t.Fatalf("an honest software TPM report does not verify: %v", res.Failures())
		}
	})
	t.Run("forgery: TPM B answering the auditor's challenge made to TPM A's EK", func(t *testing.T) {
		// The honest twin first: B answers a challenge to its own EK.
		if err := l.challengeAs(t, l.bDev, bSim.EventLog, bSim.EKs[0]); err != nil {
			t.Fatalf("TPM B cannot answer a challenge to its own EK: %v", err)
		}
		err := l.challengeAs(t, l.bDev, bSim.EventLog, genuine.EKs[0])
		if err == nil {
			t.Fatal("TPM B activated a credential made for TPM A's EK")
		}
		t.Logf("refused: %v", err)
	})
	for _, fc := range []struct {
		name   string
		forge  func() *results.TPMDetails
		signer *sign.Key
		// refused: the check verify fails with; "" when the evidence
		// verifies and the TPM verdicts must be inconclusive or fail with
		// reason.
		refused, reason string
		verifiers       []string
	}{
		{name: "AK, quote and activation from TPM B with TPM A's EK certificate and edited maker strings",
			forge: func() *results.TPMDetails {
				d := cloneTPM(t, bPTY)
				d.EKs = genuine.EKs
				d.Manufacturer, d.VendorInfo = attest.Manufacturer(0x49465800), "SLB9670"
				return d
			}, signer: l.provider, reason: "local activation"},
		{name: "TPM B's AK under TPM A's verifier-confirmed activation record",
			forge: func() *results.TPMDetails {
				d := cloneTPM(t, bPTY)
				d.EKs, d.Activation = genuine.EKs, genuine.Activation
				return d
			}, signer: l.provider, refused: "activation was for another AK"},
		{name: "TPM B's AK under a verifier-confirmed record naming the auditor's key",
			forge: func() *results.TPMDetails {
				d := cloneTPM(t, bPTY)
				name := d.Activation.AKName
				d.EKs, d.Activation = genuine.EKs, genuine.Activation
				d.Activation.AKName, d.Activation.Commitment, d.Activation.Returned = name, nil, nil
				secret := []byte("chosen")
				sum := sha256.Sum256(secret)
				d.Activation.Commitment, d.Activation.Returned = sum[:], secret
				return d
			}, signer: l.provider, refused: "a forged or mismatched verifier name"},
		{name: "a made-up local activation (commitment = SHA-256 of a chosen secret) on TPM A's EK",
			forge: func() *results.TPMDetails {
				d := cloneTPM(t, bPTY)
				d.EKs = genuine.EKs
				secret := make([]byte, 32)
				rand.Read(secret)
				sum := sha256.Sum256(secret)
				d.Activation.Credential, d.Activation.Secret = []byte("made up"), []byte("made up")
				d.Activation.Commitment, d.Activation.Returned = sum[:], secret
				return d
			}, signer: l.provider, reason: "local activation"},
		{name: "TPM A's own local record relabelled as confirmed by the auditor's verifier",
			forge: func() *results.TPMDetails {
				d := cloneTPM(t, aLocal)
				d.Activation.Mode, d.Activation.Verifier, d.Activation.ChallengeID = results.ActivationVerifier, "sovbench serve, key "+l.serve.ID, "c-1"
				d.Activation.VerifierKey = l.serve.ID
				return d
			}, signer: l.provider, refused: "a forged or mismatched verifier name"},
		{name: "TPM B's AK confirmed by the provider's own key, against a relying party that names its verifier",
			forge: func() *results.TPMDetails {
				d := cloneTPM(t, bPTY)
				d.EKs = genuine.EKs
				d.Activation.Mode, d.Activation.Verifier, d.Activation.ChallengeID = results.ActivationVerifier, "sovbench serve, key "+l.provider.ID, "c-1"
				d.Activation.VerifierKey = l.provider.ID
				return d
			}, signer: l.provider, verifiers: []string{l.serve.ID}, refused: "not a verifier you trust", reason: "not a verifier you trust"},
		{name: "TPM B behind a pseudo-terminal, recorded as a device, with Infineon's maker strings",
			forge: func() *results.TPMDetails {
				d := cloneTPM(t, bPTY)
				if d.Kind != collect.KindDevice || d.Simulated {
					t.Fatalf("the PTY-wrapped swtpm was recorded as %s, simulated %v", d.Kind, d.Simulated)
				}
				d.Manufacturer, d.VendorInfo = attest.Manufacturer(0x49465800), "SLB9670"
				return d
			}, signer: l.provider, reason: "nothing shows a hardware TPM"},
		{name: "a firmware version other than the one in the signed quote",
			forge: func() *results.TPMDetails {
				d := cloneTPM(t, aLocal)
				d.Firmware = "7.85"
				return d
			}, signer: l.provider, refused: "the record says firmware 7.85, the signed quote firmware"},
		{name: "a clock other than the one in the signed quote",
			forge: func() *results.TPMDetails {
				d := cloneTPM(t, genuine)
				d.Clock.ClockMS++
				return d
			}, signer: l.serve, refused: "edited after the TPM signed"},
	} {
		t.Run("forgery: "+fc.name, func(t *testing.T) {
			rep := l.report(t, fc.forge(), fc.signer)
			res := l.verifier(fc.verifiers...).Envelope(context.Background(), "forged", signed(t, rep, fc.signer))
			if fc.refused != "" {
				if res.OK() || !strings.Contains(fmtChecks(res.Failures()), fc.refused) {
					t.Fatalf("verify: %v, want a failure with %q", res.Failures(), fc.refused)
				}
			} else if !res.OK() {
				t.Fatalf("an honestly evaluated forgery should verify with its verdicts not passing: %v", res.Failures())
			}
			// What the relying party's own evaluation says, whatever the
			// forger recorded.
			noTPMPass(t, l.evaluate(rep, fc.signer, fc.verifiers), fc.reason)
			// The forger lies about the verdicts too: verify refuses.
			for i := range rep.Verdicts {
				rep.Verdicts[i].Status = results.StatusPass
			}
			if res := l.verifier(fc.verifiers...).Envelope(context.Background(), "lied", signed(t, rep, fc.signer)); res.OK() {
				t.Fatal("verdicts recorded as pass verify")
			}
		})
	}
	t.Run("forgery: a TPM verdict given twice, pass first (a first-value reader's pass)", func(t *testing.T) {
		rep := l.report(t, bPTY, l.provider)
		st, _ := sign.NewStatement(rep)
		body, _ := json.Marshal(st)
		forged := bytes.Replace(body, []byte(`"status":"inconclusive"`), []byte(`"status":"pass","status":"inconclusive"`), 1)
		if bytes.Equal(forged, body) {
			t.Fatal("no inconclusive verdict to forge")
		}
		res := l.verifier().Envelope(context.Background(), "dup", signBody(t, l.provider, forged))
		if res.OK() || !strings.Contains(fmtChecks(res.Failures()), `duplicate key "status"`) {
			t.Fatalf("verify: %v, want the duplicate key refused", res.Failures())
		}
	})
	// Subjects and the quote's evidence digest hash each record in the bytes
	// it was signed in (no decoding and encoding again): a record written in
	// other bytes after the quote, even with the same values, is not the one
	// the TPM signed for.
	t.Run("forgery: the host record re-encoded after the quote (same values, other bytes)", func(t *testing.T) {
		st, _ := sign.NewStatement(l.report(t, bPTY, l.provider))
		body, _ := json.Marshal(st)
		forged := bytes.Replace(body, []byte(`"probe":"host"`), []byte(`"prob\u0065":"host"`), 1)
		if bytes.Equal(forged, body) {
			t.Fatal("no host record to re-encode")
		}
		res := l.verifier().Envelope(context.Background(), "reencoded", signBody(t, l.provider, forged))
		if res.OK() || !strings.Contains(fmtChecks(res.Failures()), "quote was made for evidence digest") {
			t.Fatalf("verify: %v, want the TPM binding refused", res.Failures())
		}
	})
}

// challengeAs runs the auditor's challenge on the TPM at spec (booted with
// log) while the agent presents ek as its EK, as a provider would to get
// another TPM's endorsement: the credential is sealed to ek, so only that
// TPM can activate it. It returns the first refusal.
func (l *forgeryLab) challengeAs(t *testing.T, spec string, log []byte, ek results.TPMEK) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dev, err := collect.Open(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	req := l.req
	req.EventLog, req.VerifierSource = log, "remote"
	s, err := collect.Begin(ctx, dev, req)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ar := s.Request()
	ar.EK = ek
	ch, pending, err := attest.NewChallenge(ar, attest.ChallengeOptions{})
	if err != nil {
		return err
	}
	ch.ID, ch.Verifier = "challenge-b", "sovbench serve, key "+l.serve.ID
	if err := s.Answer(ctx, ch); err != nil {
		return err
	}
	d, err := s.Quote(ctx)
	if err != nil {
		return err
	}
	d.EKs[0] = ek
	return attest.ConfirmActivation(d, pending, ch.Verifier, l.serve.ID)
}

// expect checks the report's verdicts by claim label.
func expect(t *testing.T, rep *results.Report, want map[string]results.Status) {
	t.Helper()
	for _, v := range rep.Verdicts {
		if w, ok := want[v.Key()]; ok && v.Status != w {
			t.Errorf("%s: %s (%s), want %s", v.Key(), v.Status, v.Reason, w)
		}
	}
}

// noTPMPass fails on any passing TPM verdict (every claim of the suite
// needs a real TPM), and wants reason in the hardware verdict when given.
func noTPMPass(t *testing.T, verdicts []results.Verdict, reason string) {
	t.Helper()
	for _, v := range verdicts {
		if !strings.HasPrefix(v.Claim, "tpm.") {
			continue
		}
		if v.Status == results.StatusPass {
			t.Errorf("%s passes on a forgery: %s", v.Key(), v.Reason)
		}
		if reason != "" && v.Key() == "tpm.required: {hardware: true}" && !strings.Contains(v.Reason, reason) {
			t.Errorf("%s: %s (%s), want the reason to say %q", v.Key(), v.Status, v.Reason, reason)
		}
	}
}

func fmtChecks(cs []Check) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(c.String() + "\n")
	}
	return b.String()
}

// signBody signs an arbitrary payload as a report envelope.
func signBody(t *testing.T, k *sign.Key, body []byte) []byte {
	t.Helper()
	sig, err := k.Sign(context.Background(), sign.PAE(sign.PayloadType, body))
	if err != nil {
		t.Fatal(err)
	}
	env, err := sign.EncodeEnvelope(&sign.Envelope{PayloadType: sign.PayloadType, Payload: base64.StdEncoding.EncodeToString(body),
		Signatures: []sign.Signature{{KeyID: k.ID, Sig: base64.StdEncoding.EncodeToString(sig)}}})
	if err != nil {
		t.Fatal(err)
	}
	return env
}
