package results

import (
	"testing"
	"time"
)

func TestDurationHuman(t *testing.T) {
	cases := map[time.Duration]string{
		0:                            "0 s",
		65 * time.Microsecond:        "65 µs",
		4839 * time.Microsecond:      "4.84 ms",
		10946 * time.Microsecond:     "10.9 ms",
		102703 * time.Microsecond:    "103 ms",
		1137382381 * time.Nanosecond: "1.14 s",
		2 * time.Second:              "2 s",
		125 * time.Second:            "2 min 5 s",
		500 * time.Nanosecond:        "500 ns",
		-3 * time.Millisecond:        "-3 ms",
		999999 * time.Nanosecond:     "1000 µs",
	}
	for d, want := range cases {
		if got := Duration(d).Human(); got != want {
			t.Errorf("%v.Human() = %q, want %q", d, got, want)
		}
	}
}
