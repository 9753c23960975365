package atlas

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/sovbench/sovbench/internal/limits"
)

// Key is a RIPE Atlas API key. It prints, marshals and logs as
// "[redacted]"; only the client reads its value, to send it. The value sits
// behind a pointer so that even printing a struct that holds a Key in an
// unexported field (where fmt cannot call String) shows an address.
type Key struct{ p *string }

// NewKey wraps a key value (surrounding white space removed).
func NewKey(v string) Key {
	v = strings.TrimSpace(v)
	if v == "" {
		return Key{}
	}
	return Key{p: &v}
}

func (k Key) value() string {
	if k.p == nil {
		return ""
	}
	return *k.p
}

// ReadKeyFile reads a key from a file (its first line). The error names
// the file, never its content. The file is no larger than the default
// key-bytes bound.
func ReadKeyFile(path string) (Key, error) {
	b, err := limits.Limits{}.ReadFile(context.Background(), limits.KeyBytes, path)
	if err != nil {
		return Key{}, fmt.Errorf("reading Atlas key file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	k := NewKey(line)
	if k.Empty() {
		return Key{}, fmt.Errorf("reading Atlas key file %s: empty", path)
	}
	return k, nil
}

// Empty reports whether there is no key.
func (k Key) Empty() bool { return k.p == nil }

const redacted = "[redacted]"

// String hides the key.
func (k Key) String() string { return redacted }

// GoString hides the key from %#v.
func (k Key) GoString() string { return redacted }

// MarshalJSON hides the key from JSON.
func (k Key) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText hides the key from text encoders (YAML, slog's text handler).
func (k Key) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue hides the key from slog.
func (k Key) LogValue() slog.Value { return slog.StringValue(redacted) }

// scrub removes the key from s (an error message quoting a response).
func (k Key) scrub(s string) string {
	if k.p == nil {
		return s
	}
	return strings.ReplaceAll(s, *k.p, redacted)
}
