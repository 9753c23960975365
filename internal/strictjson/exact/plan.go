package exact

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode"
	"unsafe"
)

// decodeFunc reads the value at d.off (not white space) into the Go value
// at p, of the plan's type; depth is the value's own depth when it is a
// container (the top value is at 0). Plans write through unsafe pointers,
// as encoding/json writes through reflect: p always points into a value
// of the plan's type, allocated as that type.
type decodeFunc func(d *decoder, p unsafe.Pointer, depth int) error

// plan is how values of one type are read. decode is set once the plan is
// built (a recursive type's plan refers to itself).
type plan struct {
	decode decodeFunc
}

var (
	plans   sync.Map // reflect.Type → *plan
	buildMu sync.Mutex
)

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	numberType          = reflect.TypeFor[json.Number]()
)

// planFor returns the plan for t, building it (and the plans of the types
// it holds) on first use.
func planFor(t reflect.Type) (*plan, error) {
	if p, ok := plans.Load(t); ok {
		return p.(*plan), nil
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	building := map[reflect.Type]*plan{}
	p, err := build(t, building)
	if err != nil {
		return nil, err
	}
	for ty, bp := range building {
		plans.Store(ty, bp)
	}
	return p, nil
}

func build(t reflect.Type, building map[reflect.Type]*plan) (*plan, error) {
	if p, ok := plans.Load(t); ok {
		return p.(*plan), nil
	}
	if p, ok := building[t]; ok {
		return p, nil
	}
	p := &plan{}
	building[t] = p
	f, err := decodeFuncFor(t, building)
	if err != nil {
		return nil, err
	}
	p.decode = f
	return p, nil
}

// decodeFuncFor chooses how t is read. What encoding/json reads through a
// method or into an interface is left to encoding/json itself, on the
// value's bytes (fallback); the rest is read here, as encoding/json reads
// it.
func decodeFuncFor(t reflect.Type, building map[reflect.Type]*plan) (decodeFunc, error) {
	switch {
	case t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(unmarshalerType):
		return unmarshalerFunc(t), nil
	case t == numberType || t.Kind() == reflect.Interface ||
		t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(textUnmarshalerType):
		return fallbackFunc(t), nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return boolFunc(t), nil
	case reflect.String:
		return stringFunc(t), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intFunc(t), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return uintFunc(t), nil
	case reflect.Float32, reflect.Float64:
		return floatFunc(t), nil
	case reflect.Pointer:
		elem, err := build(t.Elem(), building)
		return (&pointerPlan{t: t.Elem(), size: t.Elem().Size(), elem: elem}).decode, err
	case reflect.Slice, reflect.Array:
		return slicePlanFor(t, building)
	case reflect.Map:
		if t.Key().Kind() != reflect.String || reflect.PointerTo(t.Key()).Implements(textUnmarshalerType) {
			return nil, fmt.Errorf("decoding into %v: only maps with plain string keys are supported", t)
		}
		elem, err := build(t.Elem(), building)
		return (&mapPlan{t: t, elem: elem, entry: t.Key().Size() + t.Elem().Size()}).decode, err
	case reflect.Struct:
		sp, err := newStructPlan(t, building)
		if err != nil {
			return nil, err
		}
		return sp.decode, nil
	}
	return nil, fmt.Errorf("decoding into %v: its kind %v is not supported", t, t.Kind())
}

func slicePlanFor(t reflect.Type, building map[reflect.Type]*plan) (decodeFunc, error) {
	elem, err := build(t.Elem(), building)
	if err != nil {
		return nil, err
	}
	sp := &slicePlan{t: t, elem: elem, size: t.Elem().Size(), bytes: t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8}
	if t.Kind() == reflect.Array {
		return sp.decodeArray, nil
	}
	sp.empty = reflect.MakeSlice(t, 0, 0)
	return sp.decode, nil
}

// field is one struct field a JSON key names.
type field struct {
	name   string
	offset uintptr
	plan   *plan
}

// maxFields bounds the fields of one struct (the seen set is a bitmap).
const maxFields = 256

type structPlan struct {
	t      reflect.Type
	fields []field
	byName map[string]int
}

// newStructPlan maps t's fields by their JSON names as encoding/json does
// (the tag's name if valid, else the Go name; unexported fields and "-"
// skipped). Embedded fields and ",string" are not supported, and neither
// are two names equal under case folding: the exact decoder matches names
// exactly and relies on distinct fields to refuse what CheckSpans refuses.
func newStructPlan(t reflect.Type, building map[reflect.Type]*plan) (*structPlan, error) {
	sp := &structPlan{t: t, byName: map[string]int{}}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous || strings.Contains(","+opts+",", ",string,") {
			return nil, fmt.Errorf("decoding into %v: field %s is embedded or has the ,string option, which the exact decoder does not support", t, f.Name)
		}
		if !validTag(name) {
			name = f.Name
		}
		for _, o := range sp.fields {
			if strings.EqualFold(o.name, name) {
				return nil, fmt.Errorf("decoding into %v: fields %s and %s have JSON names equal under case folding", t, o.name, name)
			}
		}
		p, err := build(f.Type, building)
		if err != nil {
			return nil, err
		}
		sp.byName[name] = len(sp.fields)
		sp.fields = append(sp.fields, field{name: name, offset: f.Offset, plan: p})
	}
	if len(sp.fields) > maxFields {
		return nil, fmt.Errorf("decoding into %v: more than %d fields", t, maxFields)
	}
	return sp, nil
}

// validTag is encoding/json's isValidTag.
func validTag(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}
