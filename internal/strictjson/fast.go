package strictjson

import "unicode/utf8"

// fractionOrExponent says whether the number's integer part is followed
// by a fraction or an exponent.
func (s *scanner) fractionOrExponent() bool {
	return s.off < len(s.data) && (s.data[s.off] == '.' || s.data[s.off] == 'e' || s.data[s.off] == 'E')
}

// wide says whether the digits are beyond 2^64-1 = 18446744073709551615.
func wide(digits []byte) bool {
	const max = "18446744073709551615"
	return len(digits) > len(max) || len(digits) == len(max) && string(digits) > max
}

// plain marks the bytes a string holds as they are: all but the quote, the
// backslash and control characters.
var plain = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 0x20 && c != '"' && c != '\\'
	}
	return t
}()

// mayFold is false when a and b cannot be equal under folding because
// their first bytes are ASCII that differ in more than case (folding maps
// rune to rune, and an ASCII letter folds only to ASCII or to a multi-byte
// rune, which does not begin with an ASCII byte).
func mayFold(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 || a[0] >= utf8.RuneSelf || b[0] >= utf8.RuneSelf {
		return true
	}
	return a[0]|0x20 == b[0]|0x20
}
