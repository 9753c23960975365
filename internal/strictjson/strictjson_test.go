package strictjson

import (
	"errors"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name, in string
		dup      bool
		trailing bool
		ok       bool
	}{
		{name: "a plain object is accepted", in: `{"a":1,"b":[1,{"c":2}]}`, ok: true},
		{name: "white space after the value is accepted", in: "{\"a\":1}\n\t ", ok: true},
		{name: "a duplicate top-level key is refused", in: `{"predicateType":"x","predicateType":"y"}`, dup: true},
		{name: "a duplicate nested key is refused", in: `{"a":[{"b":1,"b":2}]}`, dup: true},
		{name: "the same key in two objects is accepted", in: `{"a":{"k":1},"b":{"k":1}}`, ok: true},
		{name: "a second value is refused", in: `{"a":1}{"a":2}`, trailing: true},
		{name: "trailing garbage is refused", in: `{"a":1} x`, trailing: true},
		{name: "keys differing only by escapes are the same key", in: `{"a":1,"\u0061":2}`, dup: true},
		{name: "keys differing only in case are the same key", in: `{"predicateType":1,"PredicateType":2}`, dup: true},
		{name: "the Kelvin sign folds like k", in: `{"k":1,"\u212a":2}`, dup: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := Check([]byte(c.in))
			var de *DuplicateKeyError
			switch {
			case c.ok && err != nil:
				t.Fatalf("Check: %v", err)
			case c.dup && !errors.As(err, &de):
				t.Fatalf("Check = %v, want a DuplicateKeyError", err)
			case c.trailing && !errors.Is(err, ErrTrailingData):
				t.Fatalf("Check = %v, want ErrTrailingData", err)
			}
		})
	}
}

func TestDecodeRefusesUnknownFields(t *testing.T) {
	var v struct{ A int }
	if err := Decode([]byte(`{"A":1,"B":2}`), &v); err == nil {
		t.Fatal("Decode accepted an unknown field")
	}
	if err := Decode([]byte(`{"A":1}`), &v); err != nil || v.A != 1 {
		t.Fatalf("Decode = %v, %+v", err, v)
	}
}

func TestDeepNestingIsRefused(t *testing.T) {
	in := ""
	for range MaxDepth + 1 {
		in += "["
	}
	for range MaxDepth + 1 {
		in += "]"
	}
	if err := Check([]byte(in)); err == nil {
		t.Fatal("Check accepted nesting deeper than MaxDepth")
	}
}

func FuzzCheck(f *testing.F) {
	f.Add([]byte(`{"a":1}`))
	f.Add([]byte(`{"a":1,"a":2}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = Check(b)
	})
}

// foldKey's ASCII shortcut folds as fold does, for every ASCII byte and the
// non-ASCII runes whose orbits hold ASCII letters.
func TestFoldKeyMatchesFold(t *testing.T) {
	for c := 0; c < 128; c++ {
		k := []byte{'a', byte(c), 'Z'}
		if got, want := foldKey(k), fold(string(k)); got != want {
			t.Errorf("foldKey(%q) = %q, fold gives %q", k, got, want)
		}
	}
	for _, k := range []string{"\u212a", "\u017f", "prédicat", "K\u212a"} {
		if got, want := foldKey([]byte(k)), fold(k); got != want {
			t.Errorf("foldKey(%q) = %q, fold gives %q", k, got, want)
		}
	}
}

// CheckSpans returns the raw bytes of the array's elements at the key path
// (matched under case folding), and nothing for another path.
func TestCheckSpans(t *testing.T) {
	data := []byte(`{"a": {"B": [ {"x": 1} , "s", [2] ], "c": [9]}, "b": [7]}`)
	spans, err := CheckSpans(data, "A", "b")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`{"x": 1}`, `"s"`, `[2]`}
	if len(spans) != len(want) {
		t.Fatalf("spans %q, want %q", spans, want)
	}
	for i, s := range spans {
		if string(s) != want[i] {
			t.Errorf("span %d = %q, want %q", i, s, want[i])
		}
	}
	if spans, err := CheckSpans(data, "b", "a"); err != nil || spans != nil {
		t.Errorf("another path: %q, %v; want none", spans, err)
	}
	if _, err := CheckSpans([]byte(`{"a": {"b": [1], "B": [2]}}`), "a", "b"); err == nil {
		t.Error("a duplicate key under folding was accepted")
	}
}

// CheckSpansNarrow refuses integer literals beyond ±(2^64-1) and nothing
// else that CheckSpans accepts.
func TestCheckSpansNarrow(t *testing.T) {
	for in, wide := range map[string]bool{
		`[18446744073709551615]`: false, `[-18446744073709551615]`: false, `[18446744073709551616]`: true,
		`[-18446744073709551616]`: true, `[102700000000000000000]`: true, `[1.027e20]`: false,
		`[102700000000000000000.5]`: false, `[102700000000000000000e0]`: false, `[0]`: false, `{"a":99999999999999999999}`: true,
	} {
		_, err := CheckSpansNarrow([]byte(in))
		var w *WideIntError
		if errors.As(err, &w) != wide || (!wide && err != nil) {
			t.Errorf("%s: %v", in, err)
		}
		if _, err := CheckSpans([]byte(in)); err != nil {
			t.Errorf("%s: CheckSpans says %v", in, err)
		}
	}
}
