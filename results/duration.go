package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// Duration is a time.Duration that encodes in JSON as Go's duration text
// ("10.27ms"), which is exact, readable and parses back to the same value.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON encodes d as a duration string. Go's duration text is ASCII digits, '.', '-' and unit letters (µ is valid
// UTF-8), none of which JSON escapes: quoting it is its encoding.
func (d Duration) MarshalJSON() ([]byte, error) {
	s := time.Duration(d).String()
	b := make([]byte, 0, len(s)+2)
	return append(append(append(b, '"'), s...), '"'), nil
}

// UnmarshalJSON accepts a duration string ("1.5ms") or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && bytes.IndexByte(b[1:n-1], '\\') < 0 && bytes.IndexByte(b[1:n-1], '"') < 0 {
		// No escape: the text is the string, parsed where it is without
		// a copy (a report holds hundreds of durations). ParseDuration
		// keeps its argument only in its error: a text that fails is
		// parsed again from a copy, so no error holds b's memory.
		text := b[1 : n-1]
		v, err := time.ParseDuration(unsafe.String(unsafe.SliceData(text), len(text)))
		if err != nil {
			_, err = time.ParseDuration(string(text))
			return fmt.Errorf("parsing duration %q: %w", text, err)
		}
		*d = Duration(v)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err2 := json.Unmarshal(b, &n); err2 != nil {
			return fmt.Errorf("duration must be a string like \"1.5ms\": %w", err)
		}
		*d = Duration(n)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("parsing duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}

// Human formats d for people: three significant digits in the largest unit
// that keeps it at least 1 ("65 µs", "4.84 ms", "10.9 ms", "1.14 s",
// "2 min 5 s"), where String gives Go's exact text ("1.137382381s").
func (d Duration) Human() string {
	t := time.Duration(d)
	neg := ""
	if t < 0 {
		neg, t = "-", -t
	}
	var v float64
	var unit string
	switch {
	case t == 0:
		return "0 s"
	case t < time.Microsecond:
		return neg + fmt.Sprintf("%d ns", t.Nanoseconds())
	case t < time.Millisecond:
		v, unit = float64(t)/float64(time.Microsecond), "µs"
	case t < time.Second:
		v, unit = float64(t)/float64(time.Millisecond), "ms"
	case t < time.Minute:
		v, unit = t.Seconds(), "s"
	default:
		return neg + fmt.Sprintf("%d min %d s", int(t.Minutes()), int(t.Seconds())%60)
	}
	return neg + sig3(v) + " " + unit
}

// sig3 prints v (≥ 1) with three significant digits, no trailing zeros.
func sig3(v float64) string {
	decimals := 0
	switch {
	case v < 10:
		decimals = 2
	case v < 100:
		decimals = 1
	}
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
