package limits

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"unicode"
)

// The sizes --limit takes and errors print, as github.com/dustin/go-humanize
// reads and writes them (ParseBytes, IBytes; a fuzz test compares the
// two): written here because that package's initialisation (big-number
// tables this package never uses) cost every start of the agent, which
// links this package, about 0.3 ms.

// sizeUnits are the units parseSize takes, lower case.
var sizeUnits = map[string]uint64{
	"": 1, "b": 1,
	"k": 1e3, "kb": 1e3, "ki": 1 << 10, "kib": 1 << 10,
	"m": 1e6, "mb": 1e6, "mi": 1 << 20, "mib": 1 << 20,
	"g": 1e9, "gb": 1e9, "gi": 1 << 30, "gib": 1 << 30,
	"t": 1e12, "tb": 1e12, "ti": 1 << 40, "tib": 1 << 40,
	"p": 1e15, "pb": 1e15, "pi": 1 << 50, "pib": 1 << 50,
	"e": 1e18, "eb": 1e18, "ei": 1 << 60, "eib": 1 << 60,
}

// parseSize reads a size such as 4096, 64KiB, 16 MiB, 1.5GB or 1,000 kB.
func parseSize(s string) (uint64, error) {
	n := 0
	for _, r := range s {
		if !unicode.IsDigit(r) && r != '.' && r != ',' {
			break
		}
		n += len(string(r))
	}
	num := strings.ReplaceAll(s[:n], ",", "")
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, err
	}
	unit := strings.ToLower(strings.TrimSpace(s[n:]))
	m, ok := sizeUnits[unit]
	if !ok {
		return 0, fmt.Errorf("unhandled size name: %v", unit)
	}
	if !strings.Contains(num, ".") {
		if v, err := strconv.ParseUint(num, 10, 64); err == nil {
			if hi, lo := bits.Mul64(v, m); hi == 0 {
				return lo, nil
			}
			return 0, fmt.Errorf("too large: %v", s)
		}
	}
	f *= float64(m)
	if f >= math.MaxUint64 {
		return 0, fmt.Errorf("too large: %v", s)
	}
	return uint64(f), nil
}

// iBytes writes a size in binary units with two significant digits at
// least: "1.0 MiB", "16 MiB", "118 KiB", "9 B".
func iBytes(s uint64) string {
	if s < 10 {
		return fmt.Sprintf("%d B", s)
	}
	sizes := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	e := math.Floor(math.Log(float64(s)) / math.Log(1024))
	val := float64(s) / math.Pow(1024, e)
	intDigits := countDigits(int64(val))
	digits := max(2-intDigits, 0)
	rounding := math.Pow10(digits)
	val = math.Floor(val*rounding+0.5) / rounding
	if d := countDigits(int64(val)); d > intDigits {
		digits = max(digits-(d-intDigits), 0)
	}
	return fmt.Sprintf("%.*f %s", digits, val, sizes[int(e)])
}

func countDigits(n int64) int {
	d := 0
	for ; n != 0; n /= 10 {
		d++
	}
	return d
}
