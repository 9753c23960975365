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
		if strictjson.Check(data) == nil {
			agreeExact(t, data)
		}
	})
}

func agreeExact(t *testing.T, data []byte) {
	t.Helper()
	var std, fast kinds
	errStd := strictjson.Decode(data, &std)
	_, errFast := DecodeSpans(data, &fast)
	var wideInt *strictjson.WideIntError
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
			t.Fatal(err)
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

// A type that reaches a time.Duration is refused: segmentio reads "1s"
// into it, encoding/json does not.
func TestDurationIsRefused(t *testing.T) {
	var v struct{ A []map[string]*time.Duration }
	if _, err := DecodeSpans([]byte(`{"A":[{"x":"1s"}]}`), &v); err == nil || !strings.Contains(err.Error(), "time.Duration") {
		t.Fatalf("decoding into a time.Duration: %v", err)
	}
	var ok struct{ A []map[string]*time.Time }
	if _, err := DecodeSpans([]byte(`{"A":[{"x":"2026-01-01T00:00:00Z"}]}`), &ok); err != nil {
		t.Fatal(err)
	}
}
