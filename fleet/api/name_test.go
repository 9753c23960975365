package api

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"a host name is a name", "web-1", true},
		{"a fully qualified host name is a name", "web-1.eu-west.example.org", true},
		{"case and underscores are fine", "DB_primary", true},
		{"the longest name is accepted", strings.Repeat("a", MaxNameLen), true},
		{"an empty name is refused", "", false},
		{"60 000 characters are refused", strings.Repeat("w", 60000), false},
		{"one byte over the limit is refused", strings.Repeat("a", MaxNameLen+1), false},
		{"a terminal clear sequence is refused", "web\x1b[2J", false},
		{"a terminal title sequence is refused", "\x1b]0;pwned\x07web", false},
		{"a fake table row is refused", "web\n| ag_0000 | web | 2026-01-01 |", false},
		{"a right-to-left override is refused", "web\u202e1-bew", false},
		{"a zero-width space is refused", "web\u200b", false},
		{"a look-alike Cyrillic letter is refused", "w\u0435b", false},
		{"a slash is refused", "web/1", false},
		{"a NUL is refused", "web\x00", false},
		{"a leading dot is refused", ".web", false},
		{"a leading dash is refused (it reads as a flag)", "-web", false},
		{"a space is refused", "web 1", false},
		{"a name cannot pass for an agent ID", "ag_0123456789abcdef", false},
		{"nor in capitals", "AG_0123456789abcdef", false},
		{"a name may contain ag_ further on", "bag_1", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckName(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckName(%.40q) = %v, want ok=%v", tc.in, err, tc.ok)
			}
			var ne *NameError
			if err != nil && (!errors.As(err, &ne) || strings.ContainsAny(err.Error(), "\x1b\n\x00\u202e\u200b") || len(err.Error()) > 4*MaxNameLen+200) {
				t.Fatalf("the refusal is not a short, printable *NameError: %q", err)
			}
		})
	}
}

func TestNamesDifferingInCaseAreOne(t *testing.T) {
	if NameKey("Web-1") != NameKey("web-1") {
		t.Fatal("Web-1 and web-1 have different keys")
	}
	if NameKey("web-1") == NameKey("web-2") {
		t.Fatal("web-1 and web-2 share a key")
	}
}

func TestQuoteAndEscape(t *testing.T) {
	for _, tc := range []struct{ in, quoted, escaped string }{
		{"web-1", "web-1", "web-1"},
		{"web\x1b[2J", `"web\x1b[2J"`, `"web\x1b[2J"`},
		{"web\u202e", `"web\u202e"`, `"web\u202e"`},
		{"web\u200b", `"web\u200b"`, `"web\u200b"`},
		{"a\nb", `"a\nb"`, `"a\nb"`},
		{"w\u0435b", `"w\u0435b"`, "w\u0435b"}, // a printable letter, but no name
		{"no route to host", `"no route to host"`, "no route to host"},
	} {
		if got := Quote(tc.in); got != tc.quoted {
			t.Errorf("Quote(%q) = %s, want %s", tc.in, got, tc.quoted)
		}
		if got := Escape(tc.in); got != tc.escaped {
			t.Errorf("Escape(%q) = %s, want %s", tc.in, got, tc.escaped)
		}
	}
}

func FuzzCheckName(f *testing.F) {
	for _, s := range []string{"web-1", "web\x1b[2J", "w\u0435b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckName(s) != nil {
			return
		}
		if Quote(s) != s || Escape(s) != s || len(s) > MaxNameLen {
			t.Fatalf("accepted %q, which does not print as itself", s)
		}
	})
}
