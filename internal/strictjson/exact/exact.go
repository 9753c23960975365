package exact

import (
	"fmt"
	"reflect"
	"sync"
	"time"

	segjson "github.com/segmentio/encoding/json"

	"github.com/sovbench/sovbench/internal/strictjson"
)

// flags make segmentio/encoding/json refuse an unknown field and match a
// key to a field only when spelled exactly as its JSON name. Strings
// without escapes are not copied (DontCopyString): they share the input's
// memory.
const flags = segjson.DisallowUnknownFields | segjson.DontMatchCaseInsensitiveStructFields | segjson.DontCopyString

// DecodeSpans is strictjson.DecodeSpans, stricter in two ways: a key names
// a struct field only when it is spelled exactly as the field's JSON name
// (encoding/json also takes "PredicateType" for "predicateType"; any other
// spelling is an unknown field), and an integer literal beyond ±(2^64-1)
// is refused wherever it stands (strictjson.CheckSpansNarrow: segmentio
// wraps some of them into an int64 or uint64 without an error; the fuzz
// target found 102700000000000000000 read into a uint64).
//
// The strings of v share data's memory: data must not change afterwards.
func DecodeSpans(data []byte, v any, at ...string) ([][]byte, error) {
	if err := decodable(reflect.TypeOf(v)); err != nil {
		return nil, err
	}
	spans, err := strictjson.CheckSpansNarrow(data, at...)
	if err != nil {
		return nil, err
	}
	return spans, decode(data, v)
}

// checked holds the types decodable has accepted.
var checked sync.Map

// decodable refuses a type that reaches a time.Duration: segmentio also
// reads a duration string ("1s") into one, which encoding/json refuses.
func decodable(t reflect.Type) error {
	if _, ok := checked.Load(t); ok {
		return nil
	}
	if hasDuration(t, map[reflect.Type]bool{}) {
		return fmt.Errorf("decoding into %v: it holds a time.Duration, which the fast decoder reads more leniently than encoding/json", t)
	}
	checked.Store(t, true)
	return nil
}

func hasDuration(t reflect.Type, seen map[reflect.Type]bool) bool {
	if t == nil || seen[t] {
		return false
	}
	seen[t] = true
	switch {
	case t == reflect.TypeFor[time.Duration]():
		return true
	case t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return hasDuration(t.Elem(), seen)
	case t.Kind() == reflect.Map:
		return hasDuration(t.Key(), seen) || hasDuration(t.Elem(), seen)
	case t.Kind() == reflect.Struct:
		for i := range t.NumField() {
			if hasDuration(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}

// decode decodes data that strictjson.CheckSpansNarrow accepted into v with
// segmentio/encoding/json v0.5.4. Check has refused duplicate keys, deep
// nesting, trailing data and malformed JSON already; what is left is the
// mapping onto v, where segmentio agrees with encoding/json on every value
// (exact uint64 and int64 ranges, invalid UTF-8 and lone surrogates as
// U+FFFD, base64, time.Time, null, json.Unmarshaler;
// TestExactAgreesWithStd and FuzzExactAgreesWithStd hold them alike),
// except that it refuses spellings encoding/json never writes (a key in
// another case, a time with a comma before its fraction), reads a
// time.Duration from a string (decodable keeps those out) and wraps some
// integers beyond 2^64-1 (CheckSpansNarrow keeps those out). goccy/go-json
// was refused for wrapping 2^64 and 2^63.
func decode(data []byte, v any) error {
	rest, err := segjson.Parse(data, v, flags)
	if err != nil {
		return err
	}
	for _, c := range rest {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return fmt.Errorf("%w: %.16q", strictjson.ErrTrailingData, rest)
		}
	}
	return nil
}
