package atomicfile

import (
	"regexp"
	"testing"
)

// TestIsTemporaryIsTheRegexp: IsTemporary, matched by hand, says what
// ^\..+\.tmp-[0-9]+$ says.
func TestIsTemporaryIsTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`^\..+\.tmp-[0-9]+$`)
	names := []string{
		".a.tmp-1", ".report.json.tmp-0123456789", tempName("x.json", 42), ".a.tmp-", ".a.tmp-12x", "a.tmp-1",
		"..tmp-1", "...tmp-1", ".a\n.tmp-1", ".a.tmp-1\n", ".a.tmp-1.tmp-2", ".a.tmp-x.tmp-2", ".a.tmp-2.tmp-x",
		"", ".", ".tmp-1", ".ü.tmp-7", ".\xff.tmp-7", ".a.TMP-1", ".a.tmp-١",
	}
	for _, n := range names {
		if got, want := IsTemporary(n), re.MatchString(n); got != want {
			t.Errorf("IsTemporary(%q) = %v, the regexp says %v", n, got, want)
		}
	}
}

func FuzzIsTemporary(f *testing.F) {
	re := regexp.MustCompile(`^\..+\.tmp-[0-9]+$`)
	for _, s := range []string{".a.tmp-1", "..tmp-1", ".a\n.tmp-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, n string) {
		if got, want := IsTemporary(n), re.MatchString(n); got != want {
			t.Errorf("IsTemporary(%q) = %v, the regexp says %v", n, got, want)
		}
	})
}
