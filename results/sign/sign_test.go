package sign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/results/internal/testreport"
)

// openSigned runs every check package sign owns on an envelope file:
// canonical parse, signature, statement, subjects.
func openSigned(data []byte, keys []*PublicKey) (*Statement, error) {
	env, err := ParseEnvelope(data)
	if err != nil {
		return nil, err
	}
	_, payload, err := VerifySignature(context.Background(), env, keys)
	if err != nil {
		return nil, err
	}
	st, err := DecodeStatement(payload)
	if err != nil {
		return nil, err
	}
	return st, errors.Join(CheckSubjects(st)...)
}

func signFixture(t testing.TB, kt KeyType) ([]byte, *Key) {
	t.Helper()
	k, err := GenerateKey(kt)
	if err != nil {
		t.Fatal(err)
	}
	env, err := SignReport(context.Background(), testreport.Fixture(t), k)
	if err != nil {
		t.Fatal(err)
	}
	return env, k
}

func TestSignReport(t *testing.T) {
	for _, kt := range []KeyType{KeyEd25519, KeyECDSAP256} {
		t.Run("a report signed with "+string(kt)+" verifies and round-trips", func(t *testing.T) {
			env, k := signFixture(t, kt)
			st, err := openSigned(env, []*PublicKey{k.Public()})
			if err != nil {
				t.Fatalf("verifying: %v", err)
			}
			want, _ := json.Marshal(testreport.Fixture(t))
			got, _ := json.Marshal(st.Predicate)
			if !bytes.Equal(got, want) {
				t.Errorf("predicate differs from the signed report:\n got %s\nwant %s", got, want)
			}
			if n := len(st.Subject); n != 1+1+4 {
				t.Errorf("%d subjects, want suite + 1 target + 4 evidence records", n)
			}
		})
	}
	t.Run("the in-toto bindings read the payload as a valid Statement v1", func(t *testing.T) {
		data, _ := signFixture(t, KeyEd25519)
		env, err := ParseEnvelope(data)
		if err != nil {
			t.Fatal(err)
		}
		payload, _ := strictBase64(env.Payload)
		var pb intoto.Statement
		if err := protojson.Unmarshal(payload, &pb); err != nil {
			t.Fatal(err)
		}
		if err := pb.Validate(); err != nil {
			t.Fatal(err)
		}
		if pb.GetPredicateType() != PredicateType || pb.GetSubject()[0].GetName() != "suite/fixture" {
			t.Errorf("statement %v", pb.String()[:200])
		}
	})
}

func TestSignedReportRejects(t *testing.T) {
	data, k := signFixture(t, KeyEd25519)
	trusted := []*PublicKey{k.Public()}
	other, _ := GenerateKey(KeyEd25519)
	cases := []struct {
		name string
		data []byte
		keys []*PublicKey
		want string
	}{
		{"a report signed by an unknown key is rejected", data, []*PublicKey{other.Public()}, "no signature by a trusted key"},
		{"an empty trust list is rejected", data, nil, "no trusted keys"},
		{"a re-indented envelope is rejected", bytes.ReplaceAll(data, []byte("  "), []byte("\t")), trusted, "canonical form"},
		{"an unknown envelope field is rejected", bytes.Replace(data, []byte(`{`), []byte(`{"x":1,`), 1), trusted, "canonical form"},
		{"a plain report is not an envelope", []byte(`{"schema":"sovbench.report/v2"}`), trusted, "canonical form"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := openSigned(tc.data, tc.keys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	t.Run("a subject digest that does not match its record is caught after re-signing", func(t *testing.T) {
		// Sign a statement whose subjects were computed before a record changed.
		r := testreport.Fixture(t)
		st, _ := NewStatement(r)
		r.Evidence[0].Host.Operator.Name = "Google"
		body, _ := json.Marshal(st)
		env := mustSignBody(t, k, body)
		_, err := openSigned(env, trusted)
		if err == nil || !strings.Contains(err.Error(), "subject evidence/h1/host: sha256") || !strings.Contains(err.Error(), "subject target/h1") {
			t.Errorf("error %v, want the host record and the target identity named", err)
		}
	})
	t.Run("a report with an unknown predicate field is rejected after re-signing", func(t *testing.T) {
		st, _ := NewStatement(testreport.Fixture(t))
		body, _ := json.Marshal(st)
		body = bytes.Replace(body, []byte(`"predicate":{`), []byte(`"predicate":{"extra":true,`), 1)
		_, err := openSigned(mustSignBody(t, k, body), trusted)
		if err == nil || !strings.Contains(err.Error(), "unknown field") {
			t.Errorf("error %v, want unknown field", err)
		}
	})
	// A payload a first-value reader and a last-value reader would read as two
	// different statements under one signature.
	st, _ := NewStatement(testreport.Fixture(t))
	body, _ := json.Marshal(st)
	for _, tc := range []struct{ name, old, new, want string }{
		{"a duplicated predicateType (foreign value first) is rejected after re-signing",
			`"predicateType":`, `"predicateType":"https://slsa.dev/provenance/v1","predicateType":`, `duplicate key "predicateType"`},
		{"a predicateType repeated in another case is rejected after re-signing",
			`"predicateType":`, `"PredicateType":"https://slsa.dev/provenance/v1","predicateType":`, `duplicate key "predicateType"`},
		{"a duplicated key inside the report is rejected after re-signing",
			`"predicate":{`, `"predicate":{"run_id":"forged",`, `duplicate key "run_id"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forged := bytes.Replace(body, []byte(tc.old), []byte(tc.new), 1)
			_, err := openSigned(mustSignBody(t, k, forged), trusted)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %s", err, tc.want)
			}
		})
	}
	t.Run("data after the statement is rejected after re-signing", func(t *testing.T) {
		_, err := openSigned(mustSignBody(t, k, append(append([]byte{}, body...), []byte(` {"x":1}`)...)), trusted)
		if err == nil || !strings.Contains(err.Error(), "data after the JSON value") {
			t.Errorf("error %v, want trailing data refused", err)
		}
	})
}

func mustSignBody(t *testing.T, k *Key, body []byte) []byte {
	t.Helper()
	env, err := signEnvelope(context.Background(), k, PayloadType, body)
	if err != nil {
		t.Fatal(err)
	}
	b, err := EncodeEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEverySingleByteChangeIsRejected changes each byte of a real signed
// report in four ways (flip of bit 0, bit 5, bit 7 and a random other value)
// and every 127th byte to all 255 other values; each change must be rejected.
func TestEverySingleByteChangeIsRejected(t *testing.T) {
	data, k := signFixture(t, KeyECDSAP256)
	trusted := []*PublicKey{k.Public()}
	if _, err := openSigned(data, trusted); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, len(data))
	tried := 0
	check := func(i int, v byte) {
		if v == data[i] {
			return
		}
		copy(buf, data)
		buf[i] = v
		tried++
		if _, err := openSigned(buf, trusted); err == nil {
			t.Errorf("byte %d changed from %q to %q: accepted", i, data[i], v)
		}
	}
	for i := range data {
		check(i, data[i]^0x01)
		check(i, data[i]^0x20)
		check(i, data[i]^0x80)
		check(i, byte(rng.IntN(256)))
		if i%127 == 0 {
			for v := range 256 {
				check(i, byte(v))
			}
		}
	}
	t.Logf("%d single-byte changes of a %d-byte envelope, all rejected", tried, len(data))
}

func TestKeys(t *testing.T) {
	for _, kt := range []KeyType{KeyEd25519, KeyECDSAP256} {
		t.Run(string(kt)+" keys round-trip through their files with the same id", func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "keys")
			k, _ := GenerateKey(kt)
			priv, pub, err := WriteKeyPair(dir, k)
			if err != nil {
				t.Fatal(err)
			}
			if fi, _ := os.Stat(priv); fi.Mode().Perm() != 0o600 {
				t.Errorf("private key mode %o, want 600", fi.Mode().Perm())
			}
			k2, err := LoadPrivateKey(t.Context(), priv, limits.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			pubs, err := LoadPublicKeys(t.Context(), dir, limits.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			p, _ := LoadPublicKeys(t.Context(), pub, limits.Limits{})
			if k2.ID != k.ID || len(pubs) != 1 || pubs[0].ID != k.ID || p[0].ID != k.ID || len(k.ID) != 64 {
				t.Errorf("ids %s %s %v %v", k.ID, k2.ID, pubs, p)
			}
			if _, _, err := WriteKeyPair(dir, k); err == nil {
				t.Error("overwrote an existing private key")
			}
		})
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644} {
		t.Run("a private key readable by others ("+mode.String()+") is refused", func(t *testing.T) {
			dir := t.TempDir()
			k, _ := GenerateKey(KeyEd25519)
			priv, _, _ := WriteKeyPair(dir, k)
			os.Chmod(priv, mode)
			_, err := LoadPrivateKey(t.Context(), priv, limits.Limits{})
			var ie *InsecureKeyFileError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), "chmod 600") {
				t.Errorf("error %v, want *InsecureKeyFileError", err)
			}
		})
	}
	t.Run("an unknown key type is refused", func(t *testing.T) {
		if _, err := GenerateKey("rsa"); err == nil {
			t.Error("generated an rsa key")
		}
	})
}

func FuzzParseEnvelope(f *testing.F) {
	data, k := signFixture(f, KeyEd25519)
	f.Add(data)
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"","signatures":[]}`))
	f.Add([]byte(`{}`))
	trusted := []*PublicKey{k.Public()}
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := ParseEnvelope(b)
		if err != nil {
			return
		}
		again, err := EncodeEnvelope(env)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted a non-canonical envelope")
		}
		if _, err := openSigned(b, trusted); err == nil && !bytes.Equal(b, data) {
			t.Fatalf("accepted a changed envelope:\n%s", b)
		}
		ReadUnverified(b)
	})
}

func TestCanonicalEnvelope(t *testing.T) {
	for _, n := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("EncodeEnvelope output with %d signatures parses back to the same envelope", n), func(t *testing.T) {
			data, k := signFixture(t, KeyECDSAP256)
			env, err := ParseEnvelope(data)
			if err != nil {
				t.Fatal(err)
			}
			for len(env.Signatures) < n {
				env.Signatures = append(env.Signatures, Signature{KeyID: k.ID, Sig: env.Signatures[0].Sig})
			}
			enc, _ := EncodeEnvelope(env)
			got, err := ParseEnvelope(enc)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := EncodeEnvelope(got)
			if !bytes.Equal(again, enc) || len(got.Signatures) != n {
				t.Fatalf("parsed %d signatures, re-encoded\n%s\nwant\n%s", len(got.Signatures), again, enc)
			}
		})
	}
}

// EncodeEnvelope writes envelopes itself when it can (appendEnvelope); its
// bytes must stay those of encoding/json, which ParseEnvelope's layout and
// every report already signed follow.
func TestEncodeEnvelopeIsMarshalIndent(t *testing.T) {
	data, k := signFixture(t, KeyEd25519)
	env, err := ParseEnvelope(data)
	if err != nil {
		t.Fatal(err)
	}
	sig := env.Signatures[0]
	cases := map[string]*Envelope{
		"as signed":             env,
		"two signatures":        {PayloadType: env.PayloadType, Payload: env.Payload, Signatures: []Signature{sig, {KeyID: k.ID, Sig: "c2ln"}}},
		"no signature":          {PayloadType: env.PayloadType, Payload: env.Payload, Signatures: []Signature{}},
		"nil signatures":        {PayloadType: env.PayloadType, Payload: env.Payload},
		"escaped payload type":  {PayloadType: "a<b>&\"c\"\\", Payload: "x", Signatures: []Signature{sig}},
		"control and non-ASCII": {PayloadType: "t", Payload: "\x01\u00e9\u2028", Signatures: []Signature{sig}},
		"escaped key id":        {PayloadType: "t", Payload: "x", Signatures: []Signature{{KeyID: "k\n", Sig: "s"}}},
		"escaped signature":     {PayloadType: "t", Payload: "x", Signatures: []Signature{{KeyID: "k", Sig: "s&"}}},
		"empty strings":         {Signatures: []Signature{{}}},
		"every printable ASCII": {PayloadType: printableASCII(), Payload: printableASCII(), Signatures: []Signature{{KeyID: printableASCII(), Sig: printableASCII()}}},
	}
	for name, e := range cases {
		want, err := json.MarshalIndent(e, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got, err := EncodeEnvelope(e)
		if err != nil || !bytes.Equal(got, append(want, '\n')) {
			t.Errorf("%s: EncodeEnvelope wrote\n%s\nencoding/json\n%s", name, got, want)
		}
	}
}

func printableASCII() string {
	var b []byte
	for c := byte(0x20); c < 0x7f; c++ {
		b = append(b, c)
	}
	return string(b)
}
