package strictjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SyntaxError is JSON that does not parse, at a byte offset.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.Msg)
}

// scanner walks one JSON value, validating it as encoding/json would and
// remembering the path (keys and indices) for error messages only.
type scanner struct {
	data []byte
	off  int
	path []step // the keys and indices above the current value
	// at is the key path of the array whose elements spans collects.
	at    []string
	spans [][]byte
	// narrow refuses integer literals beyond ±(2^64-1) (CheckSpansNarrow).
	narrow bool
}

// atSpans reports whether the array being scanned is at s.at.
func (s *scanner) atSpans() bool {
	if len(s.at) == 0 || len(s.path) != len(s.at) {
		return false
	}
	for i, st := range s.path {
		if !st.isKey || !bytes.EqualFold(st.key, []byte(s.at[i])) {
			return false
		}
	}
	return true
}

// step is one key or array index on the way to a value.
type step struct {
	isKey bool
	key   []byte
	idx   int
}

func (s *scanner) fail(msg string) error { return &SyntaxError{Offset: s.off, Msg: msg} }

// where spells the path as "/key/0/key" (built only for an error).
func (s *scanner) where() string {
	var b strings.Builder
	for _, st := range s.path {
		b.WriteByte('/')
		if st.isKey {
			b.Write(st.key)
		} else {
			b.WriteString(strconv.Itoa(st.idx))
		}
	}
	return b.String()
}

func (s *scanner) space() {
	for s.off < len(s.data) {
		switch s.data[s.off] {
		case ' ', '\t', '\n', '\r':
			s.off++
		default:
			return
		}
	}
}

// value scans one value at depth.
func (s *scanner) value(depth int) error {
	if s.off >= len(s.data) {
		return s.fail("unexpected end of input")
	}
	switch c := s.data[s.off]; {
	case c == '{' || c == '[':
		if depth >= MaxDepth {
			return fmt.Errorf("JSON nested deeper than %d levels at %s", MaxDepth, pathOrRoot(s.where()))
		}
		if c == '{' {
			return s.object(depth)
		}
		return s.array(depth)
	case c == '"':
		_, _, err := s.str()
		return err
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return s.fail(fmt.Sprintf("unexpected %q", excerpt(s.data[s.off:])))
}

func (s *scanner) literal(w string) error {
	if !bytes.HasPrefix(s.data[s.off:], []byte(w)) {
		return s.fail("invalid literal, want " + w)
	}
	s.off += len(w)
	return nil
}

// object scans {...}, refusing a key that folds to one seen before in it.
func (s *scanner) object(depth int) error {
	s.off++ // {
	var keys keySet
	s.space()
	if s.off < len(s.data) && s.data[s.off] == '}' {
		s.off++
		return nil
	}
	for {
		s.space()
		if s.off >= len(s.data) || s.data[s.off] != '"' {
			return s.fail("want an object key")
		}
		raw, escaped, err := s.str()
		if err != nil {
			return err
		}
		key, err := decodeKey(raw, escaped)
		if err != nil {
			return s.fail(err.Error())
		}
		if keys.addDup(key) {
			return &DuplicateKeyError{Path: s.where(), Key: string(key)}
		}
		s.space()
		if s.off >= len(s.data) || s.data[s.off] != ':' {
			return s.fail("want ':' after an object key")
		}
		s.off++
		s.space()
		s.path = append(s.path, step{isKey: true, key: key})
		if err := s.value(depth + 1); err != nil {
			return err
		}
		s.path = s.path[:len(s.path)-1]
		if done, err := s.next('}'); done || err != nil {
			return err
		}
	}
}

// array scans [...].
func (s *scanner) array(depth int) error {
	s.off++ // [
	s.space()
	if s.off < len(s.data) && s.data[s.off] == ']' {
		s.off++
		return nil
	}
	collect := s.atSpans()
	for i := 0; ; i++ {
		s.space()
		start := s.off
		s.path = append(s.path, step{idx: i})
		if err := s.value(depth + 1); err != nil {
			return err
		}
		s.path = s.path[:len(s.path)-1]
		if collect {
			s.spans = append(s.spans, s.data[start:s.off])
		}
		if done, err := s.next(']'); done || err != nil {
			return err
		}
	}
}

// next consumes ',' (more to come) or the closing byte (done).
func (s *scanner) next(closing byte) (bool, error) {
	s.space()
	if s.off >= len(s.data) {
		return false, s.fail("unexpected end of input")
	}
	switch s.data[s.off] {
	case ',':
		s.off++
		return false, nil
	case closing:
		s.off++
		return true, nil
	}
	return false, s.fail(fmt.Sprintf("want ',' or %q", closing))
}

// str scans a string and returns its raw bytes with the quotes and whether
// it holds an escape.
func (s *scanner) str() ([]byte, bool, error) {
	start := s.off
	s.off++
	escaped := false
	for s.off < len(s.data) {
		// Most bytes of a string are plain: skip them by the table.
		for s.off < len(s.data) && plain[s.data[s.off]] {
			s.off++
		}
		if s.off >= len(s.data) {
			break
		}
		switch c := s.data[s.off]; {
		case c == '"':
			s.off++
			return s.data[start:s.off], escaped, nil
		case c == '\\':
			escaped = true
			if err := s.escape(); err != nil {
				return nil, false, err
			}
		default: // c < 0x20
			return nil, false, s.fail("control character in a string")
		}
	}
	return nil, false, s.fail("unterminated string")
}

func (s *scanner) escape() error {
	if s.off+1 >= len(s.data) {
		return s.fail("unterminated escape")
	}
	switch s.data[s.off+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.off += 2
		return nil
	case 'u':
		if s.off+6 > len(s.data) {
			return s.fail("short \\u escape")
		}
		for _, h := range s.data[s.off+2 : s.off+6] {
			if !isHex(h) {
				return s.fail("bad \\u escape")
			}
		}
		s.off += 6
		return nil
	}
	return s.fail("bad escape")
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// number scans a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() error {
	if s.data[s.off] == '-' {
		s.off++
	}
	start := s.off
	switch {
	case s.off < len(s.data) && s.data[s.off] == '0':
		s.off++
	case s.digits() == 0:
		return s.fail("bad number")
	}
	if s.narrow && wide(s.data[start:s.off]) && !s.fractionOrExponent() {
		return &WideIntError{Offset: start, Digits: string(s.data[start:s.off])}
	}
	if s.off < len(s.data) && s.data[s.off] == '.' {
		s.off++
		if s.digits() == 0 {
			return s.fail("bad number: no digit after '.'")
		}
	}
	if s.off < len(s.data) && (s.data[s.off] == 'e' || s.data[s.off] == 'E') {
		s.off++
		if s.off < len(s.data) && (s.data[s.off] == '+' || s.data[s.off] == '-') {
			s.off++
		}
		if s.digits() == 0 {
			return s.fail("bad number: no digit in the exponent")
		}
	}
	return nil
}

func (s *scanner) digits() int {
	n := 0
	for s.off < len(s.data) && s.data[s.off] >= '0' && s.data[s.off] <= '9' {
		s.off++
		n++
	}
	return n
}

// decodeKey returns a key's text as encoding/json decodes it (escapes
// resolved, invalid UTF-8 as U+FFFD); without escapes, the raw bytes.
func decodeKey(raw []byte, escaped bool) ([]byte, error) {
	if !escaped && utf8.Valid(raw) {
		return raw[1 : len(raw)-1], nil
	}
	var k string
	if err := json.Unmarshal(raw, &k); err != nil {
		return nil, fmt.Errorf("decoding key: %w", err)
	}
	return []byte(k), nil
}

// keySet is one object's keys, compared as encoding/json matches fields:
// under Unicode simple case folding (bytes.EqualFold, which also takes
// invalid UTF-8 for U+FFFD as the decoder does). Small objects scan a
// slice; large ones switch to a map of folded keys.
type keySet struct {
	list   [keySetScan][]byte // the first n keys, on the scanner's stack
	n      int
	folded map[string]bool
}

const keySetScan = 16

// addDup adds k and reports whether a key equal to it under folding was
// there already.
func (ks *keySet) addDup(k []byte) bool {
	if ks.folded == nil {
		for _, o := range ks.list[:ks.n] {
			if mayFold(o, k) && bytes.EqualFold(o, k) {
				return true
			}
		}
		if ks.n < keySetScan {
			ks.list[ks.n] = k
			ks.n++
			return false
		}
		ks.folded = make(map[string]bool, 2*keySetScan)
		for _, o := range ks.list {
			ks.folded[foldKey(o)] = true
		}
	}
	f := foldKey(k)
	if ks.folded[f] {
		return true
	}
	ks.folded[f] = true
	return false
}

// foldKey is fold(string(k)), without its rune-by-rune orbit walk for an
// ASCII key: every ASCII letter's orbit has its upper-case form as the
// smallest rune (k's orbit is K, k and the Kelvin sign U+212A; s's is S, s
// and the long s U+017F), so an ASCII key folds to its upper case.
func foldKey(k []byte) string {
	for _, c := range k {
		if c >= utf8.RuneSelf {
			return fold(string(k))
		}
	}
	b := make([]byte, len(k))
	for i, c := range k {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		b[i] = c
	}
	return string(b)
}

func excerpt(b []byte) string {
	if len(b) > 16 {
		return string(b[:16]) + "…"
	}
	return string(b)
}
