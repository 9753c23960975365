package strictjson

// SkipValue checks the one JSON value that begins at data[off] (after any
// white space) as CheckSpansNarrow checks a document — syntax, duplicate
// keys under folding, nesting (the value itself at depth, counted as
// CheckSpans counts it from the top), integers beyond ±(2^64-1) — and
// returns the offset just after it. A decoder that reads most of a
// document itself uses it for the values it does not read byte by byte.
func SkipValue(data []byte, off, depth int) (int, error) {
	sc := &scanner{data: data, off: off, narrow: true}
	sc.space()
	if err := sc.value(depth); err != nil {
		return 0, err
	}
	return sc.off, nil
}

// KeySet is the keys of one object seen so far, compared as CheckSpans
// compares them: under Unicode simple case folding. Its zero value is
// empty and ready for use.
type KeySet struct {
	ks keySet
}

// AddDup adds k and reports whether a key equal to it under folding was
// there already. k must not change while the set is in use.
func (s *KeySet) AddDup(k []byte) bool { return s.ks.addDup(k) }
