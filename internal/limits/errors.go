package limits

import (
	"fmt"
)

// TooLargeError is a file larger than its bound.
type TooLargeError struct {
	Path  string
	Limit Name
	Max   int64
	// Size is the file's size when known before reading it, else 0 (the
	// file was cut off one byte past Max).
	Size int64
}

func (e *TooLargeError) Error() string {
	size := "more than " + iBytes(uint64(e.Max))
	if e.Size > 0 {
		size = iBytes(uint64(e.Size)) + ", more than " + iBytes(uint64(e.Max))
	}
	return fmt.Sprintf("%s is too large: %s (raise the bound with --limit %s=SIZE)", e.Path, size, e.Limit)
}

// TooManyError is a count above its bound: What names what was counted.
type TooManyError struct {
	What  string
	Count int
	Limit Name
	Max   int64
}

func (e *TooManyError) Error() string {
	return fmt.Sprintf("%d %s, more than %d (raise the bound with --limit %s=N)", e.Count, e.What, e.Max, e.Limit)
}

// Count returns a *TooManyError when count exceeds the bound n, else nil.
func (l Limits) Count(n Name, what string, count int) error {
	if max := l.Max(n); int64(count) > max {
		return &TooManyError{What: what, Count: count, Limit: n, Max: max}
	}
	return nil
}
