package sign

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/results"
)

// The fast decoder agrees with encoding/json on the value kinds its tests
// cover (internal/strictjson/exact: integers, floats, strings, bools,
// bytes, times, maps, slices, arrays, pointers, plain struct fields) and on
// results.Duration, the report's one json.Unmarshaler. A field of any other
// kind added to the report model (an interface, an embedded struct, a
// ",string" option, another Unmarshaler or TextUnmarshaler) would be a
// mapping nobody compared: a place where a report could read one way to
// sovbench and another to encoding/json. This test names it.
func TestStatementHoldsOnlyComparedKinds(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(ty reflect.Type, path string)
	walk = func(ty reflect.Type, path string) {
		if seen[ty] {
			return
		}
		seen[ty] = true
		switch ty {
		case reflect.TypeFor[time.Time](), reflect.TypeFor[results.Duration](), reflect.TypeFor[[]byte]():
			return
		}
		if ty.Implements(reflect.TypeFor[interface{ UnmarshalJSON([]byte) error }]()) ||
			reflect.PointerTo(ty).Implements(reflect.TypeFor[interface{ UnmarshalText([]byte) error }]()) ||
			reflect.PointerTo(ty).Implements(reflect.TypeFor[interface{ UnmarshalJSON([]byte) error }]()) {
			t.Errorf("%s: %v decodes itself; compare it in the exact decoder's tests", path, ty)
			return
		}
		switch ty.Kind() {
		case reflect.Bool, reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(ty.Elem(), path+"[]")
		case reflect.Map:
			if ty.Key().Kind() != reflect.String {
				t.Errorf("%s: map key %v", path, ty.Key())
			}
			walk(ty.Elem(), path+"{}")
		case reflect.Struct:
			for i := range ty.NumField() {
				f := ty.Field(i)
				if !f.IsExported() || f.Tag.Get("json") == "-" {
					continue
				}
				if f.Anonymous || strings.Contains(f.Tag.Get("json"), ",string") || strings.Contains(f.Tag.Get("json"), ",inline") {
					t.Errorf("%s.%s: embedded or with a ,string/,inline option", path, f.Name)
				}
				walk(f.Type, path+"."+f.Name)
			}
		default:
			t.Errorf("%s: a %v (%v) that the decoders' tests do not compare", path, ty, ty.Kind())
		}
	}
	walk(reflect.TypeFor[Statement](), "Statement")
	if len(seen) < 20 {
		t.Fatalf("walked only %d types", len(seen))
	}
}
