package sign

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sovbench/sovbench/internal/strictjson"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/internal/testreport"
)

// statementPayloads are real signed payloads: the demo report verify
// benchmarks, the fixture report, and the stored reports of results'
// tests wrapped in statements as SignReport does.
func statementPayloads(t *testing.T) [][]byte {
	t.Helper()
	demo, err := os.ReadFile("../../verify/testdata/demo/clarence-trusted-cloud.json")
	if err != nil {
		t.Fatal(err)
	}
	env, err := ParseEnvelope(demo)
	if err != nil {
		t.Fatal(err)
	}
	p, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		t.Fatal(err)
	}
	out := [][]byte{p}
	reps := []*results.Report{testreport.Fixture(t)}
	files, _ := filepath.Glob("../testdata/reports/*/*.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r results.Report
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		reps = append(reps, &r)
	}
	for _, r := range reps {
		st, err := NewStatement(r)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// DecodeStatement's exact decoder reads every real payload, and every
// byte changed, inserted or dropped in one, exactly as encoding/json does:
// the same statement, or an error from both (the exact decoder may refuse
// more: a key spelled in another case).
func TestStatementDecodersAgree(t *testing.T) {
	payloads := statementPayloads(t)
	if len(payloads) < 4 {
		t.Fatalf("%d payloads", len(payloads))
	}
	for _, p := range payloads {
		agreeStatement(t, p, true)
	}
	rng := rand.New(rand.NewPCG(18, 18))
	demo := payloads[0]
	for i := range 1500 {
		m := append([]byte(nil), demo...)
		at, c := rng.IntN(len(m)), mutations[rng.IntN(len(mutations))]
		switch i % 3 {
		case 0: // a byte changed
			m[at] = c
		case 1: // a byte inserted
			m = append(m[:at], append([]byte{c}, demo[at:]...)...)
		default: // a byte dropped
			m = append(m[:at], demo[at+1:]...)
		}
		agreeStatement(t, m, false)
	}
	for cut := 0; cut < len(demo); cut += 1 + rng.IntN(512) {
		if _, err := DecodeStatement(demo[:cut]); err == nil {
			t.Fatalf("the payload cut at byte %d decodes", cut)
		}
	}
}

func agreeStatement(t *testing.T, p []byte, mustDecode bool) {
	t.Helper()
	var std Statement
	errStd := strictjson.Decode(p, &std)
	if errStd == nil {
		errStd = ValidateStatement(&std)
	}
	if errStd == nil && std.Predicate.Schema != results.Schema {
		errStd = errors.New("another schema") // DecodeStatement's check after decoding
	}
	st, err := DecodeStatement(p)
	switch {
	case mustDecode && err != nil:
		t.Fatalf("a genuine payload does not decode: %v", err)
	case err != nil && errStd == nil:
		// The fast decoder may refuse only a spelling encoding/json never
		// writes (a key in another case): what it writes for the
		// statement it read must decode to the same report.
		canon, mErr := json.Marshal(&std)
		if mErr != nil {
			t.Fatal(mErr)
		}
		again, aErr := DecodeStatement(canon)
		if aErr != nil || !reflect.DeepEqual(std.Predicate, again.Predicate) {
			t.Errorf("encoding/json reads the payload, DecodeStatement says %v, and %v on its re-encoding", err, aErr)
		}
	case err == nil && errStd != nil:
		t.Errorf("DecodeStatement reads a payload encoding/json refuses (%v)", errStd)
	case err == nil && !reflect.DeepEqual(std.Predicate, st.Predicate):
		t.Errorf("the decoders read different reports")
	}
}

// mutations are the bytes single-byte changes write: JSON's structure,
// digits, letters of either case and a byte that is not UTF-8.
const mutations = " \"{}[],:0123456789.eE-+aAzZtfnul\\\xff"

// An integer beyond 2^64-1 in a signed report is refused wherever it
// stands, as a WideIntError: segmentio, the decoder before the exact one,
// read 102700000000000000000 into the uint64 clock as 10466279631452241920
// without an error, where encoding/json refuses it.
func TestWideIntegerInAReportIsRefused(t *testing.T) {
	demo := statementPayloads(t)[0]
	for _, wide := range []string{"102700000000000000000", "18446744073709551616"} {
		p := bytes.Replace(demo, []byte(`"clock_ms":5186`), []byte(`"clock_ms":`+wide), 1)
		if bytes.Equal(p, demo) {
			t.Fatal("the demo payload has no clock_ms 5186")
		}
		var w *strictjson.WideIntError
		if _, err := DecodeStatement(p); !errors.As(err, &w) {
			t.Errorf("clock_ms %s: %v, want a *strictjson.WideIntError", wide, err)
		}
	}
}
