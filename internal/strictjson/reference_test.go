package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// checkReference is the first Check: encoding/json's tokenizer, slow but
// plainly right. The scanner must agree with it on every input.
func checkReference(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := walkReference(dec, "", 0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			return ErrTrailingData
		}
		return fmt.Errorf("%w: %v", ErrTrailingData, err)
	}
	return nil
}

func walkReference(dec *json.Decoder, path string, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	if depth >= MaxDepth {
		return fmt.Errorf("JSON nested deeper than %d levels at %s", MaxDepth, pathOrRoot(path))
	}
	switch d {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			k, _ := kt.(string)
			if seen[fold(k)] {
				return &DuplicateKeyError{Path: path, Key: k}
			}
			seen[fold(k)] = true
			if err := walkReference(dec, path+"/"+k, depth+1); err != nil {
				return err
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			if err := walkReference(dec, path+"/"+strconv.Itoa(i), depth+1); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token()
	return err
}

// agree fails unless Check and the reference give the same verdict: both
// accept (and then encoding/json finds the input valid), or both refuse,
// a duplicate key alike (same key, same path).
func agree(t *testing.T, in []byte) {
	t.Helper()
	got, want := Check(in), checkReference(in)
	var gd, wd *DuplicateKeyError
	switch {
	case (got == nil) != (want == nil):
		t.Fatalf("%q: Check = %v, reference = %v", in, got, want)
	case got == nil && !json.Valid(in):
		t.Fatalf("%q: accepted, but encoding/json finds it invalid", in)
	case errors.As(want, &wd) && (!errors.As(got, &gd) || *gd != *wd):
		t.Fatalf("%q: Check = %v, reference = %v", in, got, want)
	case errors.Is(want, ErrTrailingData) != errors.Is(got, ErrTrailingData) && json.Valid(bytes.TrimSpace(in)):
		t.Fatalf("%q: Check = %v, reference = %v", in, got, want)
	}
}

var corpus = []string{
	`{}`, `[]`, `""`, `0`, `-0.5e+10`, `true`, `null`, ` {"a" : [1, 2, {"b": null}] } `,
	`{"a":1,"A":2}`, `{"a":{"b":1,"B":2}}`, `[{"x":1},{"x":1}]`, `{"\u00e9":1,"\u00c9":2}`, `{"é":1,"É":2}`,
	`{"ſ":1,"S":2}`, `{"k":1,"\u212a":2}`, "{\"\xff\":1,\"\xfe\":2}", "{\"\xff\":1,\"\uFFFD\":2}",
	`{"a\"b":1,"a\u0022b":2}`, `{"":1,"":2}`, `{"a":1}  x`, `{"a":1}{}`, `[1,]`, `{"a":1,}`, `{"a" 1}`,
	`01`, `1.`, `1e`, `-`, `"\x"`, "\"\x01\"", `"\ud800"`, `[`, `{"a":`, `tru`, `nul`, `[1 2]`,
	`{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"r":18,"A":19}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"r":18,"\u212a":19}`,
}

func TestScannerAgreesWithTheReference(t *testing.T) {
	for _, c := range corpus {
		agree(t, []byte(c))
	}
	// Real signed reports: the payloads a verifier reads.
	files, _ := filepath.Glob("../../verify/testdata/demo/*.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		agree(t, b)
		var env struct{ Payload []byte }
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatal(err)
		}
		agree(t, env.Payload)
		if Check(env.Payload) != nil {
			t.Fatalf("%s: the payload is refused", f)
		}
	}
}

func FuzzScannerAgreesWithTheReference(f *testing.F) {
	for _, c := range corpus {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, in []byte) { agree(t, in) })
}
