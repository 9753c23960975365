package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// MaxDepth bounds how deeply objects and arrays may nest.
const MaxDepth = 64

// DuplicateKeyError reports a key that appears twice in one object, also
// when the two spellings differ only in case: encoding/json matches struct
// fields case-insensitively, so "predicateType" and "PredicateType" would
// fill the same field.
type DuplicateKeyError struct {
	// Path locates the object, as a JSON-pointer-like path ("/a/0/b").
	Path string
	Key  string
}

func (e *DuplicateKeyError) Error() string {
	return fmt.Sprintf("duplicate key %q in the object at %s", e.Key, pathOrRoot(e.Path))
}

// ErrTrailingData is returned when anything but white space follows the value.
var ErrTrailingData = errors.New("data after the JSON value")

// Decode decodes data into v, refusing duplicate keys at any depth, unknown
// fields (where v is a struct), nesting deeper than MaxDepth and trailing data.
func Decode(data []byte, v any) error {
	_, err := DecodeSpans(data, v)
	return err
}

// DecodeSpans is Decode, and returns what CheckSpans(data, at...) does.
func DecodeSpans(data []byte, v any, at ...string) ([][]byte, error) {
	spans, err := CheckSpans(data, at...)
	if err != nil {
		return nil, err
	}
	return spans, decode(data, v)
}

// decode decodes data that Check accepted, with encoding/json. (Not
// goccy/go-json, twice as fast here: v0.10.5 reads 2^64 into a uint64 as 0
// and 2^63 into an int64 as -2^63 without an error, a parser differential
// in the clocks and counters of signed TPM evidence.)
func decode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	return nil
}

// Check validates data's shape alone: one JSON value, no duplicate keys, no
// nesting deeper than MaxDepth, nothing after it. It scans the bytes once
// without allocating for the common case (ASCII keys, small objects): it
// runs on every signed report a verifier reads.
func Check(data []byte) error {
	_, err := CheckSpans(data)
	return err
}

// CheckSpans is Check, and returns the raw bytes of each element of the
// array at the object key path at (keys matched as encoding/json matches
// fields, under case folding; nil when there is no such array): a caller
// can hash the bytes a record was signed in without encoding it again.
func CheckSpans(data []byte, at ...string) ([][]byte, error) {
	sc := &scanner{data: data, at: at}
	if err := sc.check(); err != nil {
		return nil, err
	}
	return sc.spans, nil
}

// WideIntError is an integer literal beyond ±(2^64-1), which
// CheckSpansNarrow refuses.
type WideIntError struct {
	Offset int
	Digits string
}

func (e *WideIntError) Error() string {
	return fmt.Sprintf("integer %.24s… at offset %d is beyond the range of every integer type (±(2^64-1))", e.Digits, e.Offset)
}

// CheckSpansNarrow is CheckSpans, and refuses an integer literal (no
// fraction, no exponent) beyond ±(2^64-1): a decoder that reads it into an
// integer field need not detect the overflow (segmentio/encoding/json
// v0.5.4 wrapped some). encoding/json writes no such literal for an
// integer; it does for a float64 in [2^64, 1e21), which a document for
// this check must not hold. The exact decoder refuses what it refuses.
func CheckSpansNarrow(data []byte, at ...string) ([][]byte, error) {
	sc := &scanner{data: data, at: at, narrow: true}
	if err := sc.check(); err != nil {
		return nil, err
	}
	return sc.spans, nil
}

func (sc *scanner) check() error {
	data := sc.data
	sc.space()
	if err := sc.value(0); err != nil {
		return err
	}
	sc.space()
	if sc.off < len(data) {
		return fmt.Errorf("%w: %q at offset %d", ErrTrailingData, excerpt(data[sc.off:]), sc.off)
	}
	return nil
}

func pathOrRoot(p string) string {
	if p == "" {
		return "the top level"
	}
	return p
}

// fold maps every rune of s to the smallest rune of its case-folding orbit,
// so that two keys fold to the same string exactly when strings.EqualFold
// holds for them.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		low := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			low = min(low, f)
		}
		return low
	}, s)
}
