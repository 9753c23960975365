package exact

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/internal/strictjson"
)

// kinds has a field of every kind signed reports hold.
type kinds struct {
	U  uint64
	U8 uint8
	I  int64
	I8 int8
	S  string
	B  []byte
	F  float64
	P  *int
	M  map[string]string
	T  time.Time
	A  []int
	V  [2]float64
	X  bool
	Q  any
	R  json.RawMessage
	N  struct{ V string }
	D  time.Duration
	L  []kinds
	W  map[string]*kinds
}

// exactCases are values at the edges where decoders have disagreed
// (out-of-range integers, invalid UTF-8, surrogates, lenient base64).
var exactCases = []string{
	`{"U":18446744073709551615}`, `{"U":18446744073709551616}`, `{"U":102700000000000000000}`, `{"I":21000000000000000000}`, `{"I":-21000000000000000000}`, `{"F":102700000000000000000}`, `{"F":1.027e20}`, `{"F":102700000000000000000.5}`, `{"U":-1}`, `{"U":-0}`, `{"U":1e2}`, `{"U":1.0}`, `{"U8":256}`,
	`{"I":9223372036854775807}`, `{"I":9223372036854775808}`, `{"I":-9223372036854775808}`, `{"I":-9223372036854775809}`,
	`{"I8":128}`, `{"I8":-129}`, `{"I":1.5}`, `{"U":"1"}`,
	`{"S":"a\ud800b"}`, "{\"S\":\"a\xffb\"}", `{"S":"\u00e9\ud83d\ude00"}`, `{"S":"\u0000"}`, `{"S":1}`, `{"S":null}`,
	`{"B":"aGk="}`, `{"B":"aGk"}`, `{"B":"aG\nk="}`, `{"B":"aG\r\nk="}`, `{"B":"aGl="}`, `{"B":"aGk-"}`, `{"B":null}`, `{"B":[1]}`,
	`{"\u0055":1}`, `{"P":null}`, `{"P":3}`, `{"U":null}`, `{"M":{"a":"b","b":"c"}}`, `{"M":null}`, `{"M":{"a":1}}`,
	`{"T":"2026-01-01T00:00:00Z"}`, `{"T":"2026-01-01T00:00:00.1234567891Z"}`, `{"T":"2026-01-01 00:00:00Z"}`,
	`{"T":"2026-01-01T00:00:00+24:00"}`, `{"T":"2026-02-30T00:00:00Z"}`, `{"T":null}`,
	`{"T":"2026-01-01t00:00:00z"}`, `{"T":"2026-12-31T23:59:60Z"}`, `{"T":"2026-01-01T24:00:00Z"}`, `{"T":"2026-01-01T00:00:00-00:00"}`,
	`{"T":"2026-01-01T00:00:00+23:59"}`, `{"T":"2026-01-01T00:00:00.Z"}`, `{"T":"2026-01-01T00:00:00,5Z"}`, `{"T":" 2026-01-01T00:00:00Z"}`,
	`{"T":"2026-01-01T00:00:00\u005a"}`, `{"T":"0000-01-01T00:00:00Z"}`, `{"T":"2026-1-01T00:00:00Z"}`, `{"T":"2026-01-01T00:00Z"}`,
	`{"T":"2026-01-01T00:00:00+0100"}`, `{"T":"2026-01-01T00:00:00.123+01:00"}`, `{"T":"2026-02-29T00:00:00Z"}`, `{"T":"2024-02-29T00:00:00Z"}`,
	`{"A":[1,2]}`, `{"V":[1,2]}`, `{"V":[1]}`, `{"V":[1,2,3]}`, `{"V":[]}`, `{"V":null}`, `{"V":[1,"x"]}`, `{"V":{}}`, `{"A":null}`, `{"A":{}}`, `{"A":[1,"x"]}`, `{"X":1}`, `{"X":true}`,
	`{"Q":{"a":[1,2.5e400]}}`, `{"Q":{"a":[1,-0,1e-400,"\u00e9",null,true]}}`, `{"F":1e400}`, `{"F":-0}`, `{"F":1e-400}`,
	`{"R":{"a" : [1, 2]}}`, `{"R":null}`, `{"N":{"V":"x"}}`, `{"N":{"V":"x","W":1}}`, `{"N":null}`, `{"Z":1}`, `[]`, `null`, `"x"`,
	`{"D":"1s"}`, `{"D":1000}`, `{"D":1.5}`, `{"D":null}`, `{"L":[{"U":1},{"S":"x"}]}`, `{"L":[]}`, `{"L":null}`, `{"L":[null]}`,
	`{"W":{"a":{"U":1},"b":null}}`, `{"W":{}}`, `{"W":{"a":{"U":1},"A":{}}}`, `{"W":{"\u0061":{},"a":{}}}`, `{"u":1}`, `{"U":1,"U":2}`,
	`{"U":1,"u":2}`, `{"M":{"k":"1","K":"2"}}`, `{"V":[1,2,{"a":1,"a":2}]}`, `{"V":[1,2,102700000000000000000]}`, `{"F":1,}`, `{"F":01}`,
	`{"S":"\x"}`, "{\"S\":\"a\tb\"}", `{"S":"\ud83d\u0041"}`, `{"S":"\ud83d"}`, `{"S":"\ud83d\ude0"}`, `{"Q":{"a":1,"a":2}}`,
	`{"N":{"V":"x"}} x`, `{"N":{"V":"x"}} `, ` {"A":[ 1 , 2 ] } `, `{"P":1e2}`, `{"I":-0}`, `{"U":-0.0}`, `{"F":-0.0}`,
}

// TestExactAgreesWithStd: on JSON that Check accepts, decode fills a
// value exactly as encoding/json with DisallowUnknownFields does and fails
// exactly when it fails.
func TestExactAgreesWithStd(t *testing.T) {
	for _, in := range exactCases {
		agreeExact(t, []byte(in))
	}
}

// FuzzExactAgreesWithStd is TestExactAgreesWithStd on any input.
func FuzzExactAgreesWithStd(f *testing.F) {
	for _, in := range exactCases {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		agreeExact(t, data)
	})
}

func agreeExact(t *testing.T, data []byte) {
	t.Helper()
	var std, fast kinds
	errStd := strictjson.Decode(data, &std)
	_, errFast := DecodeSpans(data, &fast)
	var wideInt *strictjson.WideIntError
	if _, err := strictjson.CheckSpansNarrow(data); err != nil {
		// What the check refuses is refused, with the check's error.
		if errFast == nil || errFast.Error() != err.Error() {
			t.Errorf("%q: the check refuses it (%v), decode says %v", data, err, errFast)
		}
		return
	}
	switch {
	case errors.As(errFast, &wideInt):
		// Refused on purpose, wherever it stands (a float64 field too).
	case errStd != nil && errFast == nil:
		t.Errorf("%q: encoding/json refuses it (%v), decode reads it", data, errStd)
	case errStd == nil && errFast != nil:
		// Refusing is right only for a spelling encoding/json never
		// writes: what it writes for the value it read must decode alike.
		canon, err := json.Marshal(&std)
		if err != nil {
			// encoding/json cannot write what it read (a time zone
			// beyond ±23:59): no encoder writes such a document.
			return
		}
		var stdAgain, fastAgain kinds
		errStd := strictjson.Decode(canon, &stdAgain)
		_, errFast := DecodeSpans(canon, &fastAgain)
		if errors.As(errFast, &wideInt) {
			return // a float64 of 2^64 or more, written without an exponent
		}
		if errStd != nil || errFast != nil || !reflect.DeepEqual(stdAgain, fastAgain) {
			t.Errorf("%q: encoding/json reads it, decode does not; of its encoding %s, encoding/json reads %#v (%v), decode %#v (%v)",
				data, canon, stdAgain, errStd, fastAgain, errFast)
		}
	case errStd == nil && !reflect.DeepEqual(std, fast):
		t.Errorf("%q: encoding/json reads\n%#v\ndecode reads\n%#v", data, std, fast)
	}
}

// The elements' bytes of the array at the path are what CheckSpans
// returns, at any depth and with white space around them.
func TestSpansAreCheckSpans(t *testing.T) {
	type rec struct {
		ID string `json:"id"`
	}
	var v struct {
		Outer struct {
			Recs []rec `json:"recs"`
			Not  []rec `json:"not"`
		} `json:"outer"`
		Recs []rec `json:"recs"`
	}
	data := []byte(`{"recs":[{"id":"top"}],"outer":{"not":[{"id":"n"}], "recs": [ {"id":"a"} ,{ "id" : "b\u0041" }]}}`)
	want, err := strictjson.CheckSpans(data, "outer", "recs")
	if err != nil || len(want) != 2 {
		t.Fatalf("CheckSpans: %q, %v", want, err)
	}
	got, err := DecodeSpans(data, &v, "outer", "recs")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeSpans spans %q (%v), CheckSpans %q", got, err, want)
	}
	if v.Outer.Recs[1].ID != "bA" || v.Recs[0].ID != "top" {
		t.Fatalf("decoded %+v", v)
	}
}

// A field's error names where it is.
func TestErrorsNameThePath(t *testing.T) {
	var v kinds
	_, err := DecodeSpans([]byte(`{"L":[{"U":1},{"W":{"k":{"S":5}}}]}`), &v)
	var te *TypeError
	if !errors.As(err, &te) || !strings.HasPrefix(err.Error(), `L[1].W."k".S: cannot read number 5 into a Go string`) {
		t.Fatalf("error %v", err)
	}
}

// A time.Duration is read as encoding/json reads it, a number of
// nanoseconds; a duration string is refused (segmentio, the decoder
// before this one, read "1s" into it).
func TestDurationIsANumber(t *testing.T) {
	var v struct{ A []map[string]*time.Duration }
	if _, err := DecodeSpans([]byte(`{"A":[{"x":"1s"}]}`), &v); err == nil {
		t.Fatal("a duration string is read into a time.Duration")
	}
	if _, err := DecodeSpans([]byte(`{"A":[{"x":1000}]}`), &v); err != nil || *v.A[0]["x"] != time.Microsecond {
		t.Fatalf("%v, %v", v, err)
	}
}

// Types the decoder does not read as encoding/json would are refused
// before any byte is read, with the type named.
func TestUnsupportedTypesAreNamed(t *testing.T) {
	type embedded struct{ kinds }
	type folded struct {
		ID string
		Id string `json:"id"`
	}
	type stringOpt struct {
		N int `json:",string"`
	}
	for _, v := range []any{&embedded{}, &folded{}, &stringOpt{}, &map[int]string{}, &struct{ C chan int }{}} {
		if _, err := DecodeSpans([]byte(`{}`), v); err == nil || !strings.Contains(err.Error(), "decoding into") {
			t.Errorf("%T: %v", v, err)
		}
	}
	if _, err := DecodeSpans([]byte(`{}`), kinds{}); err == nil {
		t.Error("decoding into a non-pointer")
	}
}

// A document whose values would take far more memory than its size (an
// array of empty objects, each a large value) is refused
// with a MemoryError before the memory is taken; its honest twin, the same
// number of elements as encoding/json writes them, decodes. (A map of
// them stays within the budget: its keys take bytes of the document.)
func TestMemoryBudget(t *testing.T) {
	const n = 100000
	for _, hostile := range []string{
		`{"L":[` + strings.Repeat(`{},`, n) + `{}]}`,
		`{"L":[{"L":[` + strings.Repeat(`{},`, n) + `{}]}]}`,
	} {
		var v kinds
		var me *MemoryError
		if _, err := DecodeSpans([]byte(hostile), &v); !errors.As(err, &me) {
			t.Errorf("%.30s…(%d bytes): %v, want a *MemoryError", hostile, len(hostile), err)
		}
	}
	honest, err := json.Marshal(kinds{L: make([]kinds, n/10)})
	if err != nil {
		t.Fatal(err)
	}
	var v kinds
	if _, err := DecodeSpans(honest, &v); err != nil || len(v.L) != n/10 {
		t.Fatalf("%d elements as encoding/json writes them: %v", n/10, err)
	}
}
