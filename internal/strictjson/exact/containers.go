package exact

import (
	"bytes"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"unsafe"

	"github.com/sovbench/sovbench/internal/strictjson"
)

// PathError locates an error inside the document: the keys and indices
// down to the value it is about.
type PathError struct {
	Path string // "predicate.evidence[3].tpm.clock_ms"
	Err  error
}

func (e *PathError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *PathError) Unwrap() error { return e.Err }

// within prefixes err's path with step (a key, or "[i]").
func within(step string, err error) error {
	if pe, ok := err.(*PathError); ok {
		if pe.Path[0] != '[' {
			step += "."
		}
		return &PathError{Path: step + pe.Path, Err: pe.Err}
	}
	return &PathError{Path: step, Err: err}
}

// value reads the value after any white space at d.off into the value
// of pl's type at p.
func (d *decoder) value(pl *plan, p unsafe.Pointer, depth int) error {
	d.space()
	if d.off >= len(d.data) {
		return d.syntax("unexpected end of input")
	}
	return pl.decode(d, p, depth)
}

// open consumes the opening byte of a container at depth and reports
// whether it is empty (its closing byte consumed too).
func (d *decoder) open(closing byte, depth int) (bool, error) {
	if depth >= strictjson.MaxDepth {
		return false, fmt.Errorf("JSON nested deeper than %d levels", strictjson.MaxDepth)
	}
	d.off++
	d.space()
	if d.off < len(d.data) && d.data[d.off] == closing {
		d.off++
		return true, nil
	}
	return false, nil
}

// key reads an object key and the ':' after it; onPath says whether it
// continues the spans path (atDepth was raised: the caller lowers it after
// the value).
func (d *decoder) key(depth int) (k []byte, onPath bool, err error) {
	d.space()
	if d.off >= len(d.data) || d.data[d.off] != '"' {
		return nil, false, d.syntax("want an object key")
	}
	body, flags, err := d.scanString()
	if err != nil {
		return nil, false, err
	}
	k = text(body, flags)
	d.space()
	if d.off >= len(d.data) || d.data[d.off] != ':' {
		return nil, false, d.syntax("want ':' after an object key")
	}
	d.off++
	if d.atDepth == depth && depth < len(d.at) && bytes.EqualFold(k, []byte(d.at[depth])) {
		d.atDepth++
		onPath = true
	}
	return k, onPath, nil
}

func (d *decoder) leave(onPath bool) {
	if onPath {
		d.atDepth--
	}
}

type pointerPlan struct {
	t    reflect.Type // what it points to
	size uintptr      // t's size
	elem *plan
}

// decode sets the pointer nil for null, else reads into what it points
// to, allocated when nil.
func (pp *pointerPlan) decode(d *decoder, p unsafe.Pointer, depth int) error {
	ptr := (*unsafe.Pointer)(p)
	if d.data[d.off] == 'n' {
		*ptr = nil
		return d.null()
	}
	if *ptr == nil {
		if err := d.charge(pp.size); err != nil {
			return err
		}
		*ptr = reflect.New(pp.t).UnsafePointer()
	}
	return pp.elem.decode(d, *ptr, depth)
}

// decode reads an object into the struct: every key must be a field's
// JSON name spelled exactly, and no field may come twice.
func (sp *structPlan) decode(d *decoder, p unsafe.Pointer, depth int) error {
	switch d.data[d.off] {
	case 'n':
		return d.null()
	case '{':
	default:
		return d.mismatch(sp.t, nil)
	}
	if empty, err := d.open('}', depth); empty || err != nil {
		return err
	}
	var seen [maxFields / 64]uint64
	i := -1
	for {
		k, onPath, err := d.key(depth)
		if err != nil {
			return err
		}
		i = sp.lookup(k, i+1)
		if i < 0 {
			return fmt.Errorf("unknown field %q in %v", k, sp.t)
		}
		if seen[i/64]&(1<<(i%64)) != 0 {
			return &strictjson.DuplicateKeyError{Key: string(k)}
		}
		seen[i/64] |= 1 << (i % 64)
		f := &sp.fields[i]
		if err := d.value(f.plan, unsafe.Add(p, f.offset), depth+1); err != nil {
			return within(f.name, err)
		}
		d.leave(onPath)
		if done, err := d.next('}'); done || err != nil {
			return err
		}
	}
}

// lookup returns the index of the field named k, or -1. It tries guess
// first: encoding/json writes fields in their order, so the field after the
// last one read, or one of the few after it (omitempty), is usually next.
func (sp *structPlan) lookup(k []byte, guess int) int {
	for i := guess; i < len(sp.fields) && i < guess+4; i++ {
		if sp.fields[i].name == unsafeString(k) {
			return i
		}
	}
	if i, ok := sp.byName[unsafeString(k)]; ok {
		return i
	}
	return -1
}

type mapPlan struct {
	t     reflect.Type
	elem  *plan
	entry uintptr // what an entry is charged: its key and element
}

// decode reads an object into the map (made when nil), refusing a key
// equal to an earlier one under folding.
func (mp *mapPlan) decode(d *decoder, p unsafe.Pointer, depth int) error {
	v := reflect.NewAt(mp.t, p).Elem()
	switch d.data[d.off] {
	case 'n':
		v.SetZero()
		return d.null()
	case '{':
	default:
		return d.mismatch(mp.t, nil)
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(mp.t))
	}
	if empty, err := d.open('}', depth); empty || err != nil {
		return err
	}
	var keys strictjson.KeySet
	// One key and one element, reused: SetMapIndex copies them.
	kv, evp := reflect.New(mp.t.Key()).Elem(), reflect.New(mp.t.Elem())
	ev := evp.Elem()
	for {
		k, onPath, err := d.key(depth)
		if err != nil {
			return err
		}
		if keys.AddDup(k) {
			return &strictjson.DuplicateKeyError{Key: string(k)}
		}
		if err := d.charge(mp.entry); err != nil {
			return err
		}
		ev.SetZero()
		if err := d.value(mp.elem, evp.UnsafePointer(), depth+1); err != nil {
			return within(strconv.Quote(string(k)), err)
		}
		d.leave(onPath)
		kv.SetString(unsafeString(k))
		v.SetMapIndex(kv, ev)
		if done, err := d.next('}'); done || err != nil {
			return err
		}
	}
}

type slicePlan struct {
	t     reflect.Type
	elem  *plan
	size  uintptr // of an element
	bytes bool    // a []byte: a string is its base64
	// scratch holds *reflect.Value slices of t that decode reads into.
	scratch sync.Pool
	empty   reflect.Value // an empty slice of t, not nil
}

// decode reads an array into the slice as encoding/json does: null makes
// it nil, [] empty but not nil; the elements read are all it keeps. A nil
// slice (as every slice of a fresh value is) gets exactly as many elements
// as the array has, read first into a pooled scratch slice; one that
// already holds elements is read into in place, as encoding/json does.
func (sp *slicePlan) decode(d *decoder, p unsafe.Pointer, depth int) error {
	v := reflect.NewAt(sp.t, p).Elem()
	switch c := d.data[d.off]; {
	case c == 'n':
		v.SetZero()
		return d.null()
	case c == '"' && sp.bytes:
		return d.decodeBytes(sp.t, p)
	case c != '[':
		return d.mismatch(sp.t, nil)
	}
	collect := len(d.at) > 0 && d.atDepth == len(d.at) && depth == len(d.at)
	empty, err := d.open(']', depth)
	if err != nil || empty {
		v.Set(sp.empty)
		return err
	}
	if !v.IsNil() {
		return sp.elements(d, v, depth, collect)
	}
	scratch, _ := sp.scratch.Get().(*reflect.Value)
	if scratch == nil {
		s := reflect.New(sp.t).Elem() // settable
		scratch = &s
	}
	err = sp.elements(d, *scratch, depth, collect)
	if err == nil {
		err = d.charge(uintptr(scratch.Len()) * sp.size)
	}
	if err == nil {
		n := scratch.Len()
		v.Grow(n) // unlike MakeSlice, no slice header on the heap
		v.SetLen(n)
		reflect.Copy(v, *scratch)
	}
	scratch.Clear()
	scratch.SetLen(0)
	sp.scratch.Put(scratch)
	return err
}

// elements reads the elements of an array whose '[' was read into v (a
// settable slice), growing it as needed, and keeps its length to what was
// read.
func (sp *slicePlan) elements(d *decoder, v reflect.Value, depth int, collect bool) error {
	i := 0
	for done := false; !done; i++ {
		if i >= v.Cap() {
			if err := d.charge(uintptr(max(8, 2*v.Cap())) * sp.size); err != nil {
				return err
			}
			grown := reflect.MakeSlice(sp.t, i, max(8, 2*v.Cap()))
			reflect.Copy(grown, v)
			v.Set(grown)
		}
		if i >= v.Len() {
			v.SetLen(i + 1)
		}
		d.space()
		start := d.off
		if err := d.value(sp.elem, unsafe.Add(v.UnsafePointer(), uintptr(i)*sp.size), depth+1); err != nil {
			return within("["+strconv.Itoa(i)+"]", err)
		}
		if collect {
			d.spans = append(d.spans, d.data[start:d.off])
		}
		var err error
		if done, err = d.next(']'); err != nil {
			return err
		}
	}
	if i < v.Len() {
		v.SetLen(i)
	}
	return nil
}

// decodeArray reads an array into a Go array as encoding/json does:
// elements beyond its length are checked and dropped, missing ones zeroed,
// null leaves it as it is.
func (sp *slicePlan) decodeArray(d *decoder, p unsafe.Pointer, depth int) error {
	v := reflect.NewAt(sp.t, p).Elem()
	switch d.data[d.off] {
	case 'n':
		return d.null()
	case '[':
	default:
		return d.mismatch(sp.t, nil)
	}
	empty, err := d.open(']', depth)
	if err != nil {
		return err
	}
	i := 0
	for ; !empty; i++ {
		d.space()
		if d.off >= len(d.data) {
			return d.syntax("unexpected end of input")
		}
		if i < v.Len() {
			err = sp.elem.decode(d, unsafe.Add(p, uintptr(i)*sp.size), depth+1)
		} else {
			err = d.skip(depth + 1)
		}
		if err != nil {
			return within("["+strconv.Itoa(i)+"]", err)
		}
		if empty, err = d.next(']'); err != nil {
			return err
		}
	}
	for ; i < v.Len(); i++ {
		v.Index(i).SetZero()
	}
	return nil
}
