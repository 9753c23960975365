package limits

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Name names one bound, as the --limit flag spells it.
type Name string

// The bounds. Sizes are in bytes, counts are per suite (destinations: per
// egress probe: inline, listed and sweep entries together).
const (
	SuiteBytes   Name = "suite-bytes"
	LabBytes     Name = "lab-bytes"
	ListBytes    Name = "list-bytes"
	ReportBytes  Name = "report-bytes"
	KeyBytes     Name = "key-bytes"
	Probes       Name = "probes"
	Targets      Name = "targets"
	Destinations Name = "destinations"
)

// Spec documents one bound: its default and what it bounds.
type Spec struct {
	Name    Name
	Default int64
	// Bytes: the bound is a size (printed and parsed with units).
	Bytes bool
	Doc   string
}

// Specs lists every bound with its default, in the order help prints them.
// The defaults are far above what a hand-written or generated input needs
// (a seed suite is 2 KiB, a demo report 60 KiB) and far below what makes a
// machine swap.
var Specs = []Spec{
	{SuiteBytes, 1 << 20, true, "a suite file (it is embedded whole in every report)"},
	{LabBytes, 1 << 20, true, "a lab file"},
	{ListBytes, 16 << 20, true, "a destination or landmark list file"},
	{ReportBytes, 64 << 20, true, "a report file, plain or signed (DSSE envelope), and one line of an export"},
	{KeyBytes, 1 << 20, true, "a key, certificate, CA bundle or known_hosts file"},
	{Probes, 256, false, "probes in one suite"},
	{Targets, 4096, false, "targets in one suite, after hosts: lists are expanded"},
	{Destinations, 20000, false, "destinations of one egress probe: inline, listed and sweep entries"},
}

func spec(n Name) (Spec, bool) {
	i := slices.IndexFunc(Specs, func(s Spec) bool { return s.Name == n })
	if i < 0 {
		return Spec{}, false
	}
	return Specs[i], true
}

// Limits holds the bounds in force. The zero value is the defaults; Set
// (the --limit flag) changes one. A Limits is set up once, then only read.
type Limits struct {
	set map[Name]int64
}

// Max returns the bound named n: the value set, else its default. It
// panics on a name that is not in Specs (a programming error).
func (l Limits) Max(n Name) int64 {
	if v, ok := l.set[n]; ok {
		return v
	}
	s, ok := spec(n)
	if !ok {
		panic("limits: unknown limit " + string(n))
	}
	return s.Default
}

// MaxCount is Max for a count, as an int.
func (l Limits) MaxCount(n Name) int {
	return int(min(l.Max(n), math.MaxInt32))
}

// With returns a copy of l with n set to v.
func (l Limits) With(n Name, v int64) Limits {
	out := Limits{set: make(map[Name]int64, len(l.set)+1)}
	for k, x := range l.set {
		out.set[k] = x
	}
	out.set[n] = v
	return out
}

// Set parses NAME=VALUE (VALUE a count, or a size such as 64MiB or 2GB
// for a *-bytes bound) and sets that bound. It implements pflag.Value.
func (l *Limits) Set(arg string) error {
	name, value, ok := strings.Cut(arg, "=")
	if !ok {
		return fmt.Errorf("limit %q: want NAME=VALUE (names: %s)", arg, names())
	}
	s, known := spec(Name(strings.TrimSpace(name)))
	if !known {
		return fmt.Errorf("limit %q: unknown name %q (names: %s)", arg, name, names())
	}
	v, err := parseValue(s, strings.TrimSpace(value))
	if err != nil {
		return fmt.Errorf("limit %q: %w", arg, err)
	}
	*l = l.With(s.Name, v)
	return nil
}

func parseValue(s Spec, value string) (int64, error) {
	var v uint64
	var err error
	if s.Bytes {
		v, err = parseSize(value)
	} else {
		v, err = strconv.ParseUint(value, 10, 63)
	}
	switch {
	case err != nil && s.Bytes:
		return 0, fmt.Errorf("%q is not a size (say 4096, 64KiB, 16MiB or 2GB)", value)
	case err != nil:
		return 0, fmt.Errorf("%q is not a whole number", value)
	case v == 0:
		return 0, fmt.Errorf("%s must be at least 1", s.Name)
	case v > math.MaxInt64/2:
		return 0, fmt.Errorf("%q is too large", value)
	}
	return int64(v), nil
}

// String lists the bounds that were set, as NAME=VALUE,… (pflag.Value).
func (l *Limits) String() string {
	var parts []string
	for _, s := range Specs {
		if v, ok := l.set[s.Name]; ok {
			parts = append(parts, string(s.Name)+"="+Format(s.Name, v))
		}
	}
	return strings.Join(parts, ",")
}

// Type names the flag's value in help (pflag.Value).
func (l *Limits) Type() string { return "NAME=VALUE" }

// Format prints v exactly as the bound n is written: a size in the largest
// binary unit that divides it (64MiB), or a count.
func Format(n Name, v int64) string {
	if s, ok := spec(n); ok && s.Bytes {
		for _, u := range []struct {
			size int64
			unit string
		}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
			if v >= u.size && v%u.size == 0 {
				return strconv.FormatInt(v/u.size, 10) + u.unit
			}
		}
	}
	return strconv.FormatInt(v, 10)
}

func names() string {
	out := make([]string, len(Specs))
	for i, s := range Specs {
		out[i] = string(s.Name)
	}
	return strings.Join(out, ", ")
}

// Help is the --limit flag's usage text: every bound with its default.
func Help() string {
	var b strings.Builder
	b.WriteString("raise (or lower) a bound on what is read, NAME=VALUE, repeatable; defaults:")
	for _, s := range Specs {
		fmt.Fprintf(&b, " %s=%s", s.Name, Format(s.Name, s.Default))
	}
	return b.String()
}
