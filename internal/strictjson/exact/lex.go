package exact

import (
	"encoding/binary"
	"fmt"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/sovbench/sovbench/internal/strictjson"
)

// decoder reads one document in one pass: syntax, duplicate keys, nesting
// and integer range are checked where the values are read.
type decoder struct {
	data []byte
	off  int
	// at is the key path of the array whose elements' bytes spans collects
	// (strictjson.CheckSpans); atDepth is how many of its keys the current
	// path matches from the top.
	at      []string
	atDepth int
	spans   [][]byte
	// budget is the memory the values may still take (charge).
	budget int64
}

// syntaxError is JSON that does not parse (the caller's rescan with
// strictjson names it precisely).
func (d *decoder) syntax(msg string) error {
	return &strictjson.SyntaxError{Offset: d.off, Msg: msg}
}

func (d *decoder) space() {
	if d.off < len(d.data) && d.data[d.off] > ' ' {
		return // compact JSON, as signed payloads are
	}
	for d.off < len(d.data) {
		switch d.data[d.off] {
		case ' ', '\t', '\n', '\r':
			d.off++
		default:
			return
		}
	}
}

// literal consumes w ("true", "false", "null").
func (d *decoder) literal(w string) error {
	if len(d.data)-d.off < len(w) || string(d.data[d.off:d.off+len(w)]) != w {
		return d.syntax("invalid literal, want " + w)
	}
	d.off += len(w)
	return nil
}

// next consumes ',' (more to come, false) or closing (done, true).
func (d *decoder) next(closing byte) (bool, error) {
	d.space()
	if d.off >= len(d.data) {
		return false, d.syntax("unexpected end of input")
	}
	switch d.data[d.off] {
	case ',':
		d.off++
		return false, nil
	case closing:
		d.off++
		return true, nil
	}
	return false, d.syntax(fmt.Sprintf("want ',' or %q", closing))
}

// String scan results.
const (
	escaped  = 1 << iota // holds a backslash escape
	nonASCII             // holds a byte ≥ 0x80
)

// plainASCII marks the bytes a string holds as they are and that need no
// second look: printable ASCII but the quote and the backslash.
var plainASCII = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 0x20 && c < 0x80 && c != '"' && c != '\\'
	}
	return t
}()

// plainWord says whether all eight bytes of x are plainASCII: none is a
// control character, a quote, a backslash or ≥ 0x80 (SWAR: a byte's high
// bit is set in the mask when it is below 0x20, equals one of the two, or
// is ≥ 0x80).
func plainWord(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote := x ^ (ones * '"')
	slash := x ^ (ones * '\\')
	mask := (x - ones*0x20) | (quote - ones) | (slash - ones) | x
	return mask&highs == 0
}

// scanString checks the string at d.off and returns its bytes between the
// quotes and what they hold (escaped, nonASCII).
func (d *decoder) scanString() ([]byte, int, error) {
	data := d.data
	start := d.off + 1
	i, flags := start, 0
	for {
		for i+8 <= len(data) && plainWord(binary.LittleEndian.Uint64(data[i:])) {
			i += 8
		}
		for i < len(data) && plainASCII[data[i]] {
			i++
		}
		if i >= len(data) {
			d.off = i
			return nil, 0, d.syntax("unterminated string")
		}
		switch c := data[i]; {
		case c == '"':
			d.off = i + 1
			return data[start:i], flags, nil
		case c == '\\':
			flags |= escaped
			n, err := escapeLen(data[i:])
			if err != nil {
				d.off = i
				return nil, 0, d.syntax(err.Error())
			}
			i += n
		case c >= utf8.RuneSelf:
			flags |= nonASCII
			i++
		default:
			d.off = i
			return nil, 0, d.syntax("control character in a string")
		}
	}
}

// escapeLen is the length of the valid escape at the start of b.
func escapeLen(b []byte) (int, error) {
	if len(b) < 2 {
		return 0, fmt.Errorf("unterminated escape")
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, nil
	case 'u':
		if len(b) < 6 || getu4(b) < 0 {
			return 0, fmt.Errorf("bad \\u escape")
		}
		return 6, nil
	}
	return 0, fmt.Errorf("bad escape")
}

// text returns the string a scanned string's bytes decode to, as
// encoding/json decodes them (escapes resolved; invalid UTF-8 and lone
// surrogates as U+FFFD). Without escapes and with valid UTF-8 it shares
// body's memory.
func text(body []byte, flags int) []byte {
	if flags == 0 || flags == nonASCII && utf8.Valid(body) {
		return body
	}
	return unquote(body)
}

// str reads the string at d.off.
func (d *decoder) str() (string, error) {
	body, flags, err := d.scanString()
	if err != nil {
		return "", err
	}
	return unsafeString(text(body, flags)), nil
}

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// unquote is encoding/json's unquoteBytes on a string that scanString
// accepted (so every escape is valid), copying runs of plain bytes and
// valid UTF-8 whole.
func unquote(s []byte) []byte {
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			var n int
			b, n = appendEscape(b, s[r:])
			r += n
		case c < utf8.RuneSelf:
			j := r + 1
			for j+8 <= len(s) && plainWord(binary.LittleEndian.Uint64(s[j:])) {
				j += 8
			}
			for j < len(s) && s[j] < utf8.RuneSelf && s[j] != '\\' {
				j++
			}
			b = append(b, s[r:j]...)
			r = j
		default:
			rr, size := utf8.DecodeRune(s[r:])
			if rr == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, unicode.ReplacementChar)
			} else {
				b = append(b, s[r:r+size]...)
			}
			r += size
		}
	}
	return b
}

// appendEscape appends what the escape at the start of s stands for and
// returns how many bytes of s it used (a valid surrogate pair is two
// escapes).
func appendEscape(b, s []byte) ([]byte, int) {
	switch s[1] {
	case 'b':
		return append(b, '\b'), 2
	case 'f':
		return append(b, '\f'), 2
	case 'n':
		return append(b, '\n'), 2
	case 'r':
		return append(b, '\r'), 2
	case 't':
		return append(b, '\t'), 2
	case 'u':
		rr := getu4(s)
		if utf16.IsSurrogate(rr) {
			if dec := utf16.DecodeRune(rr, getu4(s[6:])); dec != unicode.ReplacementChar {
				return utf8.AppendRune(b, dec), 12
			}
			rr = unicode.ReplacementChar
		}
		return utf8.AppendRune(b, rr), 6
	}
	return append(b, s[1]), 2 // '"', '\\', '/'
}

// getu4 decodes \uXXXX at the start of s, or returns -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// number scans a JSON number, -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?,
// refusing an integer literal beyond ±(2^64-1) as CheckSpansNarrow does,
// and returns it and whether it is an integer literal.
func (d *decoder) number() ([]byte, bool, error) {
	data, start := d.data, d.off
	if data[d.off] == '-' {
		d.off++
	}
	digits := d.off
	switch {
	case d.off < len(data) && data[d.off] == '0':
		d.off++
	case d.digits() == 0:
		return nil, false, d.syntax("bad number")
	}
	integer := d.off >= len(data) || data[d.off] != '.' && data[d.off] != 'e' && data[d.off] != 'E'
	if integer {
		if n := d.off - digits; n >= 20 && (n > 20 || string(data[digits:d.off]) > "18446744073709551615") {
			return nil, false, &strictjson.WideIntError{Offset: digits, Digits: string(data[digits:d.off])}
		}
		return data[start:d.off], true, nil
	}
	if data[d.off] == '.' {
		d.off++
		if d.digits() == 0 {
			return nil, false, d.syntax("bad number: no digit after '.'")
		}
	}
	if d.off < len(data) && (data[d.off] == 'e' || data[d.off] == 'E') {
		d.off++
		if d.off < len(data) && (data[d.off] == '+' || data[d.off] == '-') {
			d.off++
		}
		if d.digits() == 0 {
			return nil, false, d.syntax("bad number: no digit in the exponent")
		}
	}
	return data[start:d.off], false, nil
}

func (d *decoder) digits() int {
	n := 0
	for d.off < len(d.data) && d.data[d.off] >= '0' && d.data[d.off] <= '9' {
		d.off++
		n++
	}
	return n
}
