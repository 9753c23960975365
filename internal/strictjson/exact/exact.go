package exact

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/sovbench/sovbench/internal/strictjson"
)

// DecodeSpans is strictjson.DecodeSpans in one pass, and stricter in two
// ways: a key names a struct field only when it is spelled exactly as the
// field's JSON name (encoding/json also takes "PredicateType" for
// "predicateType"; any other spelling is an unknown field), and an integer
// literal beyond ±(2^64-1) is refused wherever it stands (as
// strictjson.CheckSpansNarrow refuses it).
//
// It refuses every document CheckSpansNarrow refuses, and for one that it
// accepts, fills v as encoding/json with DisallowUnknownFields does or
// fails where that fails (TestExactAgreesWithStd, FuzzExactAgreesWithStd,
// and sign's TestStatementDecodersAgree on real reports). On an error the
// document is checked again with CheckSpansNarrow, whose error comes
// first, as it did when the check ran before decoding: a duplicate key is
// named as one even where the decoder stopped earlier at the first
// spelling as an unknown field.
//
// v's types are read as encoding/json reads them, but through a plan
// built once per type: no embedded fields, no ",string" option, no two
// field names equal under case folding, maps with plain string keys (an
// error names the type otherwise). Interfaces, json.Number and
// TextUnmarshalers are read by encoding/json on the value's bytes;
// json.Unmarshalers get the value's bytes, null included.
//
// Values that would take more than budgetPerByte bytes of memory per byte
// of data (and budgetBase more) are refused with a *MemoryError before the
// memory is taken: a genuine signed report takes about one to five.
//
// The strings of v share data's memory: data must not change afterwards.
func DecodeSpans(data []byte, v any, at ...string) ([][]byte, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil, fmt.Errorf("decoding into %T: want a non-nil pointer", v)
	}
	p, err := planFor(rv.Type().Elem())
	if err != nil {
		return nil, err
	}
	d := &decoder{data: data, at: at, budget: budgetFor(len(data))}
	if err := d.document(p, rv.UnsafePointer()); err != nil {
		if _, cerr := strictjson.CheckSpansNarrow(data); cerr != nil {
			return nil, cerr
		}
		return nil, err
	}
	return d.spans, nil
}

// Decode is DecodeSpans without spans: strictjson.Decode in one pass, with
// the memory budget. Documents from a party under audit (an agent's
// evidence lines, a fleet submission) are decoded with it, so that no
// document can make its reader take more than budgetPerByte times its
// size. The strings of v share data's memory: data must not change
// afterwards (a reused buffer's bytes are cloned first).
func Decode(data []byte, v any) error {
	_, err := DecodeSpans(data, v)
	return err
}

// document reads the one value data holds, and nothing after it.
func (d *decoder) document(pl *plan, p unsafe.Pointer) error {
	if err := d.value(pl, p, 0); err != nil {
		return err
	}
	d.space()
	if d.off < len(d.data) {
		return fmt.Errorf("%w at offset %d", strictjson.ErrTrailingData, d.off)
	}
	return nil
}
