package limits

import (
	"math"
	"testing"

	"github.com/dustin/go-humanize"
)

// FuzzSizesAsHumanize: parseSize and iBytes read and write sizes exactly
// as go-humanize's ParseBytes and IBytes, which --limit documented.
func FuzzSizesAsHumanize(f *testing.F) {
	for _, s := range []string{"4096", "4MiB", "2GB", "1,000 kB", "1.5 gib", "100EiB", "18446744073709551615", "1e3GB", "big", "", " 3 k ", "0.5", "٣KiB"} {
		f.Add(s, uint64(len(s))*12345)
	}
	for _, n := range []uint64{0, 9, 10, 1023, 1024, 1 << 20, 1<<20 + 1, 99 << 20, 1000 << 20, math.MaxUint64} {
		f.Add("", n)
	}
	f.Fuzz(func(t *testing.T, s string, n uint64) {
		got, gerr := parseSize(s)
		want, werr := humanize.ParseBytes(s)
		if got != want || (gerr == nil) != (werr == nil) {
			t.Fatalf("parseSize(%q) = %d, %v; humanize says %d, %v", s, got, gerr, want, werr)
		}
		if got, want := iBytes(n), humanize.IBytes(n); got != want {
			t.Fatalf("iBytes(%d) = %q; humanize says %q", n, got, want)
		}
	})
}
