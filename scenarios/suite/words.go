package suite

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// The user's words for what a field takes and what a file holds: a suite's
// author writes YAML, not Go, so a type error says "expected a list of
// strings, found the text "Amazon"", never "cannot unmarshal !!str into
// []string".

var durationType = reflect.TypeFor[time.Duration]()

// expected names what a field of type t takes.
func expected(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == durationType {
		return "a duration such as 3s or 250ms"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "text"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number, 0 or more"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list of " + plural(t.Elem())
	case reflect.Map:
		return "a mapping of names to " + plural(t.Elem())
	case reflect.Struct:
		return "a mapping (key: value)"
	}
	return "a value of another kind"
}

// plural names several values of type t.
func plural(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == durationType {
		return "durations"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true/false values"
	case reflect.String:
		return "strings"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "whole numbers"
	case reflect.Float32, reflect.Float64:
		return "numbers"
	case reflect.Slice, reflect.Array:
		return "lists"
	}
	return "mappings"
}

// found names what node n holds.
func found(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return fmt.Sprintf("a list of %d", len(n.Content))
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
	default:
		return "something else"
	}
	switch n.ShortTag() {
	case "!!null":
		return "nothing (an empty value)"
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return n.Value
	}
	return fmt.Sprintf("the text %q", shorten(n.Value))
}

// shorten keeps a quoted value readable in one line.
func shorten(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// typeMessage is the message of a type error: what the field takes and
// what was found. A bare true or false is the only boolean: YAML 1.1's yes,
// no, on and off (which yaml.v3 still accepts into a bool) are refused, so
// "no" is never read as a decision.
func typeMessage(n *yaml.Node, t reflect.Type) string {
	return "expected " + expected(t) + ", found " + found(n)
}

// strictBool reports whether n is a boolean written as true or false.
func strictBool(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 &&
		(n.Value == "true" || n.Value == "false")
}
