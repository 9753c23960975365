package sign

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/internal/strictjson"
	"github.com/sovbench/sovbench/internal/strictjson/exact"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/internal/testreport"
)

// hostileEdit is a provider's edit of a genuine signed payload (old
// replaced by new, once): refuse says DecodeStatement must refuse it;
// otherwise it must read exactly what encoding/json (with the strict
// checks) reads. Each edit is the hostile spelling; an honest twin is the
// genuine payload, which must decode (TestHostilePayloads).
type hostileEdit struct {
	name, old, new string
	refuse         bool
}

// hostileEdits are the session 7 red team's attempts on the exact decoder
// (#18/#19): keys that collide or fold, strings that are not UTF-8,
// numbers at every integer edge, null and base64 oddities, nesting, a BOM,
// white space JSON does not have, trailing data.
var hostileEdits = []hostileEdit{
	{"escaped duplicate predicateType, foreign first", `{"_type"`, `{"predicate\u0054ype":"https://evil.example/x","_type"`, true},
	{"escaped duplicate predicateType, foreign last", `"predicate":{`, `"predicate\u0054ype":"https://evil.example/x","predicate":{`, true},
	{"escaped duplicate of a TPM field", `"clock_ms":5186,`, `"clock_ms":5186,"clock\u005fms":1,`, true},
	{"key in another case", `"clock_ms":5186`, `"Clock_ms":5186`, true},
	{"duplicate in another case", `"clock_ms":5186`, `"clock_ms":5186,"CLOCK_MS":1`, true},
	{"Kelvin sign folding to k", `"kind":"lab"`, `"\u212aind":"lab"`, true},
	{"Kelvin sign beside k", `"kind":"lab"`, `"kind":"lab","\u212aind":"cloud"`, true},
	{"long s folding to s", `"simulated":true`, `"\u017fimulated":false`, true},
	{"raw Kelvin sign key", `"kind":"lab"`, "\"\xe2\x84\xaaind\":\"lab\"", true},
	{"invalid UTF-8 in a key", `"kind":"lab"`, "\"kind\xff\":\"lab\"", true},
	{"lone surrogate in a key", `"kind":"lab"`, `"kind\ud800":"lab"`, true},
	{"two invalid UTF-8 keys in one map (U+FFFD twice)", `"sha256":"01807e`, "\"\xff\":\"a\",\"\xfe\":\"b\",\"sha256\":\"01807e", true},
	{"map key twice, escaped", `"sha256":"01807e`, `"sha\u003256":"00","sha256":"01807e`, true},
	{"map key twice, another case", `"sha256":"01807e`, `"SHA256":"00","sha256":"01807e`, true},
	{"map key twice, Kelvin-sign fold", `"sha256":"01807e`, `"\u212a":"00","k":"01","sha256":"01807e`, true},
	{"map: null (the statement then has no digest)", `"digest":{"sha256":"01807e523595fdad2a300cae3cff78b2b7cc88dc8b718cc684c905c9ab36b3c4"}`, `"digest":null`, true},
	{"map: array", `"digest":{"sha256":"01807e523595fdad2a300cae3cff78b2b7cc88dc8b718cc684c905c9ab36b3c4"}`, `"digest":[]`, true},
	{"map: number value", `"sha256":"01807e523595fdad2a300cae3cff78b2b7cc88dc8b718cc684c905c9ab36b3c4"`, `"sha256":1`, true},
	{"invalid UTF-8 in a string", `"vendor_info":"SW   TPM"`, "\"vendor_info\":\"SW \xff\xfe TPM\"", false},
	{"lone surrogate in a string", `"vendor_info":"SW   TPM"`, `"vendor_info":"SW \ud800 TPM"`, false},
	{"reversed surrogate pair", `"vendor_info":"SW   TPM"`, `"vendor_info":"\ude00\ud83d"`, false},
	{"encoded surrogate (CESU)", `"vendor_info":"SW   TPM"`, "\"vendor_info\":\"\xed\xa0\x80\"", false},
	{"overlong NUL", `"vendor_info":"SW   TPM"`, "\"vendor_info\":\"\xc0\x80\"", false},
	{"escaped NUL", `"vendor_info":"SW   TPM"`, `"vendor_info":"SW\u0000TPM"`, false},
	{"raw control character", `"vendor_info":"SW   TPM"`, "\"vendor_info\":\"SW\x01TPM\"", true},
	{"raw DEL and U+2028", `"vendor_info":"SW   TPM"`, "\"vendor_info\":\"SW\x7f\xe2\x80\xa8TPM\"", false},
	{"uint64: exponent", `"clock_ms":5186`, `"clock_ms":1e2`, true},
	{"uint64: minus zero", `"clock_ms":5186`, `"clock_ms":-0`, true},
	{"uint64: fraction zero", `"clock_ms":5186`, `"clock_ms":5186.0`, true},
	{"uint64: 1E400", `"clock_ms":5186`, `"clock_ms":1E400`, true},
	{"uint64: leading zero", `"clock_ms":5186`, `"clock_ms":05186`, true},
	{"uint64: plus sign", `"clock_ms":5186`, `"clock_ms":+5186`, true},
	{"uint64: max", `"clock_ms":5186`, `"clock_ms":18446744073709551615`, false},
	{"uint64: max+1", `"clock_ms":5186`, `"clock_ms":18446744073709551616`, true},
	{"uint64: 2^64 with 21 digits", `"clock_ms":5186`, `"clock_ms":018446744073709551616`, true},
	{"uint64: negative", `"clock_ms":5186`, `"clock_ms":-1`, true},
	{"uint64: minus max", `"clock_ms":5186`, `"clock_ms":-18446744073709551615`, true},
	{"uint64: string", `"clock_ms":5186`, `"clock_ms":"5186"`, true},
	{"uint64: null", `"clock_ms":5186`, `"clock_ms":null`, false},
	{"uint64: true", `"clock_ms":5186`, `"clock_ms":true`, true},
	{"uint32: 2^32", `"reset_count":2`, `"reset_count":4294967296`, true},
	{"uint32: 2^32-1", `"reset_count":2`, `"reset_count":4294967295`, false},
	{"uint32: 19 digits", `"reset_count":2`, `"reset_count":1000000000000000000`, true},
	{"uint32: hex", `"reset_count":2`, `"reset_count":0x2`, true},
	{"int: negative index", `"index":0,`, `"index":-1,`, false},
	{"int: 2^63", `"index":0,`, `"index":9223372036854775808,`, true},
	{"int: -2^63", `"index":0,`, `"index":-9223372036854775808,`, false},
	{"int: -2^63-1", `"index":0,`, `"index":-9223372036854775809,`, true},
	{"int: -(2^64)", `"index":0,`, `"index":-18446744073709551616,`, true},
	{"int: NaN", `"index":0,`, `"index":NaN,`, true},
	{"int: Infinity", `"index":0,`, `"index":-Infinity,`, true},
	{"bool: null", `"simulated":true`, `"simulated":null`, false},
	{"bool: 1", `"simulated":true`, `"simulated":1`, true},
	{"bool: True", `"simulated":true`, `"simulated":True`, true},
	{"bool: truncated literal", `"simulated":true`, `"simulated":tru`, true},
	{"string: null", `"vendor_info":"SW   TPM"`, `"vendor_info":null`, false},
	{"struct: null", `"clock":{`, `"clock":null,"x":{`, true},
	{"bytes: escaped line break (lenient base64)", `"index":0,"digest":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="`, `"index":0,"digest":"AAAAAAAAAAAAAAAAAAAAAA\nAAAAAAAAAAAAAAAAAAAAA="`, false},
	{"bytes: non-canonical padding bits", `"index":0,"digest":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="`, `"index":0,"digest":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB="`, false},
	{"bytes: no padding", `"index":0,"digest":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="`, `"index":0,"digest":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"`, true},
	{"bytes: padding inside", `"index":0,"digest":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="`, `"index":0,"digest":"AAAA=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="`, true},
	{"bytes: URL alphabet", `"index":0,"digest":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="`, `"index":0,"digest":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-_="`, true},
	{"bytes: escaped letters", `"index":0,"digest":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="`, `"index":0,"digest":"\u0041AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="`, false},
	{"bytes: array of numbers (encoding/json reads it)", `"index":0,"digest":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="`, `"index":0,"digest":[0,0]`, false},
	{"bytes: null", `"index":0,"digest":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="`, `"index":0,"digest":null`, false},
	{"duration: number of nanoseconds", `"duration":"43.321872ms"`, `"duration":43321872`, false},
	{"duration: escaped text", `"duration":"43.321872ms"`, `"duration":"4\u0033.321872ms"`, false},
	{"duration: invalid UTF-8 unit", `"duration":"43.321872ms"`, "\"duration\":\"43.3\xb5s\"", true},
	{"duration: nested deeper than allowed", `"duration":"43.321872ms"`, `"duration":` + strings.Repeat("[", 70) + strings.Repeat("]", 70), true},
	{"duration: object with duplicate keys", `"duration":"43.321872ms"`, `"duration":{"a":1,"A":2}`, true},
	{"time: escaped digit", `"started":"2026-12-06T03:19:15.552825307Z"`, `"started":"\u0032026-12-06T03:19:15.552825307Z"`, true},
	{"time: null", `"started":"2026-12-06T03:19:15.552825307Z"`, `"started":null`, false},
	{"array for a struct", `"clock":{`, `"clock":[],"x":{`, true},
	{"map for a slice", `"verdicts":[`, `"verdicts":{},"x":[`, true},
	{"nesting beyond MaxDepth in a slice", `"verdicts":[`, `"verdicts":` + strings.Repeat("[", 100000) + `[`, true},
	{"form feed between tokens", `"clock_ms":5186`, "\"clock_ms\":\f5186", true},
	{"vertical tab between tokens", `"clock_ms":5186`, "\"clock_ms\":\v5186", true},
	{"no-break space between tokens", `"clock_ms":5186`, "\"clock_ms\":\u00a05186", true},
	{"all four JSON spaces between tokens", `"clock_ms":5186`, "\"clock_ms\" \t\r\n: \t\r\n5186 \t\r\n", false},
	{"byte-order mark", `{"_type"`, "\ufeff{\"_type\"", true},
	{"comment", `"clock_ms":5186`, `"clock_ms":/*x*/5186`, true},
	{"trailing comma in an object", `"safe":true}`, `"safe":true,}`, true},
	{"trailing comma in an array", `"verdicts":[`, `"verdicts":[,`, true},
	{"single-quoted string", `"kind":"lab"`, `"kind":'lab'`, true},
	{"unquoted key", `"kind":"lab"`, `kind:"lab"`, true},
	{"bad escape", `"vendor_info":"SW   TPM"`, `"vendor_info":"SW\x41TPM"`, true},
	{"short \\u escape", `"vendor_info":"SW   TPM"`, `"vendor_info":"SW\u41"`, true},
}

// trailers are what may follow the statement: white space only.
var trailers = []struct {
	tail   string
	refuse bool
}{
	{" \t\r\n", false}, {"x", true}, {"\x00", true}, {"{}", true}, {",", true}, {"\ufeff", true}, {"\u00a0", true}, {"\f", true},
}

// A provider's hostile spellings of a genuine payload are refused, or read
// exactly as encoding/json reads them; the genuine payload (every edit's
// honest twin) decodes.
func TestHostilePayloads(t *testing.T) {
	demo := statementPayloads(t)[0]
	if _, err := DecodeStatement(demo); err != nil {
		t.Fatalf("the genuine payload: %v", err)
	}
	for _, h := range hostileEdits {
		if !bytes.Contains(demo, []byte(h.old)) {
			t.Fatalf("%s: the demo payload has no %q", h.name, h.old)
		}
		p := bytes.Replace(demo, []byte(h.old), []byte(h.new), 1)
		hostileOutcome(t, h.name, p, h.refuse)
	}
	for _, tr := range trailers {
		hostileOutcome(t, "trailing "+strings.ToValidUTF8(tr.tail, "?"), append(bytes.Clone(demo), tr.tail...), tr.refuse)
		hostileOutcome(t, "leading "+strings.ToValidUTF8(tr.tail, "?"), append([]byte(tr.tail), demo...), tr.refuse)
	}
}

func hostileOutcome(t *testing.T, name string, p []byte, refuse bool) {
	t.Helper()
	st, err := DecodeStatement(p)
	if refuse {
		var dup *strictjson.DuplicateKeyError
		switch {
		case err == nil:
			t.Errorf("%s: accepted", name)
		case (strings.Contains(name, "twice") || strings.Contains(name, "duplicate") || strings.Contains(name, "beside")) && !errors.As(err, &dup):
			t.Errorf("%s: %v, want a duplicate key error", name, err)
		}
		return
	}
	var std Statement
	if errStd := strictjson.Decode(p, &std); err != nil || errStd != nil {
		t.Errorf("%s: DecodeStatement %v, encoding/json %v; want both to read it", name, err, errStd)
		return
	}
	if !reflect.DeepEqual(std.Predicate, st.Predicate) {
		a, _ := json.Marshal(std.Predicate)
		b, _ := json.Marshal(st.Predicate)
		i := 0
		for i < min(len(a), len(b)) && a[i] == b[i] {
			i++
		}
		t.Errorf("%s: read differently from encoding/json near %.80q / %.80q", name, a[max(0, i-20):], b[max(0, i-20):])
	}
}

// A payload cut at any byte is refused.
func TestTruncatedPayloadsAreRefused(t *testing.T) {
	demo := statementPayloads(t)[0]
	for cut := range len(demo) {
		if cut%5 != 0 && cut < len(demo)-600 {
			continue
		}
		if _, err := DecodeStatement(demo[:cut]); err == nil {
			t.Fatalf("the payload cut at byte %d decodes", cut)
		}
	}
	var syn *strictjson.SyntaxError
	if _, err := DecodeStatement(demo[:len(demo)-1]); !errors.As(err, &syn) {
		t.Fatalf("cut before the last brace: %v, want a syntax error", err)
	}
}

// The payload's AVX2 base64 decoder agrees with encoding/base64's strict
// one at every length up to a few blocks, on canonical text and on text
// with a byte changed (to one outside the alphabet, '=', a line break),
// cut, lengthened or with padding bits set, around every 32-byte block
// edge where the AVX2 part hands over.
func TestFastBase64AtEveryLength(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 19))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	const bad = "=-_ \x00\xff\x80.*@[`{\r\n\t:"
	agree := func(in []byte) {
		n := base64.StdEncoding.DecodedLen(len(in))
		want := make([]byte, n)
		wn, werr := base64.StdEncoding.Strict().Decode(want, in)
		got := make([]byte, n, n+64)
		gn, gerr := fastStrict.Decode(got, in)
		if (werr == nil) != (gerr == nil) || werr == nil && (wn != gn || !bytes.Equal(want[:wn], got[:gn])) {
			t.Fatalf("%q: encoding/base64 %d, %v; fast %d, %v", in, wn, werr, gn, gerr)
		}
		if !bytes.Equal(got[n:n+64], make([]byte, 64)) {
			t.Fatalf("%q: the fast decoder wrote past the decoded length", in)
		}
	}
	for l := range 200 {
		for rep := range 25 {
			raw := make([]byte, l)
			for i := range raw {
				raw[i] = byte(rng.Uint32())
			}
			enc := []byte(base64.StdEncoding.EncodeToString(raw))
			agree(enc)
			if len(enc) == 0 {
				continue
			}
			m := bytes.Clone(enc)
			switch i := rng.IntN(len(m)); rep % 5 {
			case 0:
				m[i] = bad[rng.IntN(len(bad))]
			case 1:
				m[i] = alphabet[rng.IntN(64)]
			case 2:
				m = m[:i]
			case 3:
				m = append(m[:i:i], append([]byte{alphabet[rng.IntN(64)]}, enc[i:]...)...)
			case 4:
				if p := bytes.IndexByte(m, '='); p > 0 {
					m[p-1] = alphabet[rng.IntN(64)] // padding bits
				}
			}
			agree(m)
		}
	}
	base := []byte(base64.StdEncoding.EncodeToString(make([]byte, 96)))
	for i := range base {
		for _, c := range []byte(bad) {
			m := bytes.Clone(base)
			m[i] = c
			agree(m)
		}
	}
}

// A provider re-spelling a signed payload's base64 so that it decodes (by
// a lenient decoder) to the same signed bytes is refused: padding bits
// set, padding dropped or doubled, data after the padding. The honest
// twin, the envelope as signed, verifies.
func TestNonCanonicalPayloadBase64IsRefused(t *testing.T) {
	k, err := GenerateKey(KeyEd25519)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{100, 101, 102, 1000, 1001} {
		body := bytes.Repeat([]byte{0xa7}, size)
		env, err := signEnvelope(t.Context(), k, PayloadType, body)
		if err != nil {
			t.Fatal(err)
		}
		data, err := EncodeEnvelope(env)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := ParseEnvelope(data)
		if err != nil {
			t.Fatalf("%d bytes, as signed: %v", size, err)
		}
		if _, _, err := VerifySignature(t.Context(), parsed, []*PublicKey{k.Public()}); err != nil {
			t.Fatalf("%d bytes, as signed: %v", size, err)
		}
		text := env.Payload
		var forged []string
		if p := strings.IndexByte(text, '='); p > 0 {
			c := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", text[p-1])
			bits := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[c|1]
			forged = append(forged, text[:p-1]+string(bits)+text[p:], strings.TrimRight(text, "="), text[:p]+"AA==")
		}
		forged = append(forged, text+"====", text+"AAAA", text[:len(text)-4]+"\r\n"+text[len(text)-4:], text[:40]+"="+text[41:])
		for _, f := range forged {
			if f == text {
				continue
			}
			b := bytes.Replace(data, []byte(text), []byte(f), 1)
			e, err := ParseEnvelope(b)
			if err == nil {
				_, _, err = VerifySignature(t.Context(), e, []*PublicKey{k.Public()})
			}
			if err == nil {
				t.Errorf("%d bytes: the payload spelled %q…%q verifies", size, f[:8], f[len(f)-8:])
			}
		}
	}
}

// A signed payload whose evidence is a long array of empty records (3
// bytes each, 200 each decoded) is refused before it takes the memory
// (it took 260 times its size: a 48 MB payload, gigabytes); its honest
// twin, as many records as SignReport writes them with only their
// identity, decodes.
func TestEvidenceBombIsRefused(t *testing.T) {
	const n = 100000
	demo := statementPayloads(t)[0]
	bomb := bytes.Replace(demo, []byte(`"evidence":[`), []byte(`"evidence":[`+strings.Repeat(`{},`, n)), 1)
	var me *exact.MemoryError
	if _, err := DecodeStatement(bomb); !errors.As(err, &me) {
		t.Fatalf("%d empty records: %v, want an *exact.MemoryError", n, err)
	}
	r := testreport.Fixture(t)
	r.Evidence = nil
	for i := range n / 5 {
		r.Evidence = append(r.Evidence, results.Evidence{ID: strconv.Itoa(i), Target: "t", Probe: "p", Duration: results.Duration(time.Second)})
	}
	st, err := NewStatement(r)
	if err != nil {
		t.Fatal(err)
	}
	honest, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeStatement(honest); err != nil || len(got.Predicate.Evidence) != n/5 {
		t.Fatalf("%d records as SignReport writes them: %v", n/5, err)
	}
}
