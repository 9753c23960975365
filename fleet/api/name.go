package api

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// AgentIDPrefix begins every agent ID the verifier issues.
const AgentIDPrefix = "ag_"

// MaxNameLen is the longest agent name, in bytes (a host name's 253 would
// make tables unreadable; 64 covers the host names of fleets seen so far).
const MaxNameLen = 64

// NameError is an agent name CheckName refuses, and why.
type NameError struct {
	Name   string // as given, possibly hostile: print it with Quote
	Reason string
}

func (e *NameError) Error() string {
	return fmt.Sprintf("agent name %s: %s", Quote(e.Name), e.Reason)
}

// CheckName accepts an agent name of 1 to MaxNameLen bytes of ASCII
// letters, digits, '.', '-' and '_', starting with a letter or a digit: a
// host name fits, and nothing a terminal, a table or a log would
// interpret (control and escape sequences, right-to-left overrides,
// zero-width characters, look-alike letters) can. A name may not begin
// with AgentIDPrefix, in any case: wherever an agent ID or a name is
// accepted (/probe?target=), a name must not pass for another agent's ID.
// Names are unique per verifier store regardless of case (NameKey).
func CheckName(name string) error {
	switch {
	case name == "":
		return &NameError{Name: name, Reason: "empty"}
	case len(name) > MaxNameLen:
		return &NameError{Name: name[:MaxNameLen] + "…", Reason: fmt.Sprintf("%d bytes, longer than %d", len(name), MaxNameLen)}
	case strings.HasPrefix(NameKey(name), AgentIDPrefix):
		return &NameError{Name: name, Reason: fmt.Sprintf("%q begins agent IDs, not names", AgentIDPrefix)}
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if i == 0 && !alnum {
			return &NameError{Name: name, Reason: "must start with a letter or a digit"}
		}
		if !alnum && c != '.' && c != '-' && c != '_' {
			return &NameError{Name: name, Reason: fmt.Sprintf("byte %d (%q) is not a letter, digit, '.', '-' or '_'", i, c)}
		}
	}
	return nil
}

// NameKey is the form in which names are unique: two names that differ
// only in case are the same name.
func NameKey(name string) string { return strings.ToLower(name) }

// Quote returns s printable on a terminal, in a table cell or a log line:
// unchanged if it is a valid name, else Go-quoted with every control,
// format (bidirectional overrides, zero-width) and non-ASCII rune escaped.
// Names in stores made before CheckName existed may hold anything.
func Quote(s string) string {
	if CheckName(s) == nil {
		return s
	}
	return strconv.QuoteToASCII(s)
}

// Escape returns s unchanged when every rune of it prints as itself (see
// unicode.IsPrint: no control characters, escape sequences, bidirectional
// overrides or zero-width characters), else Go-quoted with those escaped:
// for free text that came from an agent or a host (verdict reasons), on a
// terminal or in a log.
func Escape(s string) string {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return strconv.QuoteToASCII(s)
		}
	}
	return s
}
