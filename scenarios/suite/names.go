package suite

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// MaxNameBytes bounds suite, provider and target names and probe ids. A
// provider's name becomes a folder of the results directory and a target's
// or probe's a part of every evidence id, so a name that cannot be written
// must fail when the suite is loaded, never after the probes ran.
const MaxNameBytes = 128

// checkName returns why s cannot be a suite or provider name, or "".
func checkName(s string) string {
	switch {
	case strings.TrimSpace(s) == "":
		return "empty name"
	case len(s) > MaxNameBytes:
		return fmt.Sprintf("name is %d bytes long, more than %d", len(s), MaxNameBytes)
	case !utf8.ValidString(s):
		return "name is not valid UTF-8"
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return fmt.Sprintf("name holds the unprintable character %U at byte %d", r, i)
	}
	return ""
}

// checkID returns why s cannot be a target name or probe id, or "": the
// rules of checkName, and no '/', which separates the two in evidence ids
// (target/probe), so that two different pairs never share an id.
func checkID(s string) string {
	if msg := checkName(s); msg != "" {
		return msg
	}
	if strings.Contains(s, "/") {
		return fmt.Sprintf("%q holds a '/', which separates target and probe in evidence ids", s)
	}
	return ""
}

// blankKey says whether mapping n sets key to an empty or blank value
// (as opposed to leaving it out).
func blankKey(n *yaml.Node, key string) bool {
	if n == nil || n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			v := n.Content[i+1]
			return v.Kind == yaml.ScalarNode && strings.TrimSpace(v.Value) == ""
		}
	}
	return false
}

// item returns item i of the sequence under key in mapping n, or nil.
func item(n *yaml.Node, key string, i int) *yaml.Node {
	for k := 0; k+1 < len(n.Content); k += 2 {
		if n.Content[k].Value == key {
			if seq := n.Content[k+1]; i < len(seq.Content) {
				return seq.Content[i]
			}
		}
	}
	return nil
}
