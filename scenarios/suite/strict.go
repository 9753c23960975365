package suite

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ConfigError is a problem in a suite file, with the place it was found.
type ConfigError struct {
	File  string
	Line  int
	Field string // path like probes[0].params.metadata; empty for the whole file
	Msg   string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

var (
	nodeType      = reflect.TypeFor[yaml.Node]()
	unmarshalType = reflect.TypeFor[yaml.Unmarshaler]()
	yamlLineRE    = regexp.MustCompile(`^line \d+: `)
	syntaxLineRE  = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

// syntaxError turns a YAML parse error into a ConfigError with its line.
func syntaxError(file string, err error) *ConfigError {
	if errors.Is(err, io.EOF) {
		return &ConfigError{File: file, Msg: "the file is empty (a suite starts with suite:, provider:, targets:, probes: and claims:)"}
	}
	if m := syntaxLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &ConfigError{File: file, Line: line, Msg: m[2]}
	}
	return &ConfigError{File: file, Msg: cleanYAMLError(err)}
}

// suggest returns ` (did you mean "x"?)` for the known name closest to got,
// or the list of known names when none is close. Suggestions keep error
// texts stable while catalogues grow.
func suggest(got string, known []string) string {
	if k, ok := namedFor(got, known); ok {
		return fmt.Sprintf(" (did you mean %q?)", k)
	}
	best, bestD := "", len(got)/3+2
	for _, k := range known {
		if d := editDistance(got, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return fmt.Sprintf(" (known: %s)", strings.Join(known, ", "))
}

// namedFor returns the one known name that narrows got with a prefix
// ("sample_timeout" for "timeout"): fields renamed to say what they bound.
func namedFor(got string, known []string) (string, bool) {
	var hits []string
	for _, k := range known {
		if strings.HasSuffix(k, "_"+got) {
			hits = append(hits, k)
		}
	}
	if len(hits) != 1 {
		return "", false
	}
	return hits[0], true
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// DecodeStrict decodes n into v (a pointer) the way suite files are
// decoded: unknown keys at any depth and type errors become a *ConfigError
// naming the file, line and field path (with a did-you-mean for a near
// miss). Other strict YAML formats (lab files) use it too. A nil or empty
// node leaves v as it is.
func DecodeStrict(file string, n *yaml.Node, v any, path string) error {
	if n == nil || n.Kind == 0 {
		return nil
	}
	if err := check(file, n, reflect.TypeOf(v), path); err != nil {
		return err
	}
	if err := n.Decode(v); err != nil {
		return &ConfigError{File: file, Line: n.Line, Field: path, Msg: cleanYAMLError(err)}
	}
	return nil
}

func check(file string, n *yaml.Node, t reflect.Type, path string) error {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nodeType || reflect.PointerTo(t).Implements(unmarshalType) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return typeCheck(file, n, t, path)
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				return &ConfigError{File: file, Line: k.Line, Field: join(path, k.Value),
					Msg: "unknown field" + suggest(k.Value, sortedKeys(fields))}
			}
			if err := check(file, val, ft, join(path, k.Value)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return typeCheck(file, n, t, path)
		}
		for i, c := range n.Content {
			if err := check(file, c, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return typeCheck(file, n, t, path)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := check(file, n.Content[i+1], t.Elem(), join(path, n.Content[i].Value)); err != nil {
				return err
			}
		}
		return nil
	}
	return typeCheck(file, n, t, path)
}

// typeCheck decodes n into a scratch value of type t to report a type error
// at the field that has it, in the user's words (typeMessage). Booleans are
// strict: only true and false.
func typeCheck(file string, n *yaml.Node, t reflect.Type, path string) error {
	bt := t
	for bt.Kind() == reflect.Pointer {
		bt = bt.Elem()
	}
	if bt.Kind() == reflect.Bool && !strictBool(n) && n.ShortTag() != "!!null" {
		return &ConfigError{File: file, Line: n.Line, Field: path, Msg: typeMessage(n, t)}
	}
	if err := n.Decode(reflect.New(t).Interface()); err != nil {
		msg := cleanYAMLError(err)
		if strings.HasPrefix(msg, "cannot unmarshal ") {
			msg = typeMessage(n, t)
		}
		return &ConfigError{File: file, Line: n.Line, Field: path, Msg: msg}
	}
	return nil
}

func cleanYAMLError(err error) string {
	msg := err.Error()
	if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	return yamlLineRE.ReplaceAllString(msg, "")
}

// yamlFields maps the YAML keys of struct t (inline structs included) to types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			maps := yamlFields(f.Type)
			for k, v := range maps {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
