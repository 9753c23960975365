package exact

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"unsafe"

	"github.com/sovbench/sovbench/internal/strictjson"
)

// TypeError is a JSON value that does not fit the Go type it is read
// into, as encoding/json refuses it.
type TypeError struct {
	Value  string // "string", "number 1e2", "object", ...
	Type   reflect.Type
	Offset int
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("cannot read %s into a Go %v (at byte %d)", e.Value, e.Type, e.Offset)
}

// mismatch describes the value at d.off for a TypeError.
func (d *decoder) mismatch(t reflect.Type, lit []byte) error {
	what := "a value"
	c := d.data[d.off]
	if lit == nil && (c == '-' || c >= '0' && c <= '9') {
		at := d.off
		lit, _, _ = d.number()
		d.off = at
	}
	switch {
	case lit != nil:
		what = fmt.Sprintf("number %.24s", lit)
	case c == '"':
		what = "a string"
	case c == '{':
		what = "an object"
	case c == '[':
		what = "an array"
	case c == 't' || c == 'f':
		what = "a boolean"
	}
	return &TypeError{Value: what, Type: t, Offset: d.off}
}

// null consumes a null literal; encoding/json leaves the value as it is.
func (d *decoder) null() error { return d.literal("null") }

func boolFunc(t reflect.Type) decodeFunc {
	return func(d *decoder, p unsafe.Pointer, _ int) error {
		switch d.data[d.off] {
		case 't':
			*(*bool)(p) = true
			return d.literal("true")
		case 'f':
			*(*bool)(p) = false
			return d.literal("false")
		case 'n':
			return d.null()
		}
		return d.mismatch(t, nil)
	}
}

func stringFunc(t reflect.Type) decodeFunc {
	return func(d *decoder, p unsafe.Pointer, _ int) error {
		switch d.data[d.off] {
		case '"':
			s, err := d.str()
			*(*string)(p) = s
			return err
		case 'n':
			return d.null()
		}
		return d.mismatch(t, nil)
	}
}

// numberAt reads the number at d.off, or handles null (lit nil, no error).
func (d *decoder) numberAt(t reflect.Type) (lit []byte, integer bool, err error) {
	switch c := d.data[d.off]; {
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case c == 'n':
		return nil, false, d.null()
	}
	return nil, false, d.mismatch(t, nil)
}

// intFunc reads an integer literal that fits t's size, as encoding/json
// does (strconv.ParseInt, then the size's range).
func intFunc(t reflect.Type) decodeFunc {
	bits := t.Bits()
	return func(d *decoder, p unsafe.Pointer, _ int) error {
		at := d.off
		lit, integer, err := d.numberAt(t)
		if lit == nil || err != nil {
			return err
		}
		n, ok := smallInt(lit, integer)
		if !ok {
			var perr error
			n, perr = strconv.ParseInt(unsafeString(lit), 10, 64)
			ok = perr == nil
		}
		if !ok || n != n<<(64-bits)>>(64-bits) {
			d.off = at
			return d.mismatch(t, lit)
		}
		switch bits {
		case 8:
			*(*int8)(p) = int8(n)
		case 16:
			*(*int16)(p) = int16(n)
		case 32:
			*(*int32)(p) = int32(n)
		default:
			*(*int64)(p) = n
		}
		return nil
	}
}

// smallInt parses an integer literal of at most 18 digits (which cannot
// overflow an int64) without strconv.
func smallInt(lit []byte, integer bool) (int64, bool) {
	digits := lit
	if len(lit) > 0 && lit[0] == '-' {
		digits = lit[1:]
	}
	if !integer || len(digits) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range digits {
		n = n*10 + int64(c-'0')
	}
	if len(digits) < len(lit) {
		n = -n
	}
	return n, true
}

// uintFunc reads an integer literal that fits t's size, as encoding/json
// does (strconv.ParseUint, then the size's range).
func uintFunc(t reflect.Type) decodeFunc {
	bits := t.Bits()
	return func(d *decoder, p unsafe.Pointer, _ int) error {
		at := d.off
		lit, integer, err := d.numberAt(t)
		if lit == nil || err != nil {
			return err
		}
		var n uint64
		if s, ok := smallInt(lit, integer); ok && s >= 0 && lit[0] != '-' {
			n = uint64(s)
		} else if n, err = strconv.ParseUint(unsafeString(lit), 10, 64); err != nil {
			d.off = at
			return d.mismatch(t, lit)
		}
		if n != n<<(64-bits)>>(64-bits) {
			d.off = at
			return d.mismatch(t, lit)
		}
		switch bits {
		case 8:
			*(*uint8)(p) = uint8(n)
		case 16:
			*(*uint16)(p) = uint16(n)
		case 32:
			*(*uint32)(p) = uint32(n)
		default:
			*(*uint64)(p) = n
		}
		return nil
	}
}

// floatFunc reads a number as encoding/json does: strconv.ParseFloat at
// t's size, and for a float32 reflect's range check.
func floatFunc(t reflect.Type) decodeFunc {
	bits := t.Bits()
	return func(d *decoder, p unsafe.Pointer, _ int) error {
		at := d.off
		lit, _, err := d.numberAt(t)
		if lit == nil || err != nil {
			return err
		}
		n, err := strconv.ParseFloat(unsafeString(lit), bits)
		if err != nil || bits == 32 && math.Abs(n) > math.MaxFloat32 {
			d.off = at
			return d.mismatch(t, lit)
		}
		if bits == 32 {
			*(*float32)(p) = float32(n)
		} else {
			*(*float64)(p) = n
		}
		return nil
	}
}

// skip checks the value at d.off as CheckSpansNarrow would and moves past
// it, reading strings and numbers itself.
func (d *decoder) skip(depth int) error {
	switch c := d.data[d.off]; {
	case c == '"':
		_, _, err := d.scanString()
		return err
	case c == '-' || c >= '0' && c <= '9':
		_, _, err := d.number()
		return err
	}
	end, err := strictjson.SkipValue(d.data, d.off, depth)
	if err != nil {
		return err
	}
	d.off = end
	return nil
}

// unmarshalerFunc hands the value's bytes to t's UnmarshalJSON, null
// included, as encoding/json does for a non-pointer type.
func unmarshalerFunc(t reflect.Type) decodeFunc {
	return func(d *decoder, p unsafe.Pointer, depth int) error {
		start := d.off
		if err := d.skip(depth); err != nil {
			return err
		}
		return reflect.NewAt(t, p).Interface().(json.Unmarshaler).UnmarshalJSON(d.data[start:d.off])
	}
}

// fallbackFunc reads an interface, a json.Number or a TextUnmarshaler
// with encoding/json itself, on the value's bytes: no struct is read
// there, so case folding and unknown fields do not arise.
func fallbackFunc(t reflect.Type) decodeFunc {
	return func(d *decoder, p unsafe.Pointer, depth int) error {
		start := d.off
		if err := d.skip(depth); err != nil {
			return err
		}
		return json.Unmarshal(d.data[start:d.off], reflect.NewAt(t, p).Interface())
	}
}

// decodeBytes reads a string into a []byte as encoding/json does: standard
// base64, through its lenient decoder (line breaks skipped), never nil.
func (d *decoder) decodeBytes(t reflect.Type, p unsafe.Pointer) error {
	body, flags, err := d.scanString()
	if err != nil {
		return err
	}
	s := text(body, flags)
	b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(b, s)
	if err != nil {
		return fmt.Errorf("decoding base64 into %v: %w", t, err)
	}
	*(*[]byte)(p) = b[:n]
	return nil
}
