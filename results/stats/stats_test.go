package stats

import (
	"fmt"
	"testing"
	"time"

	"github.com/sovbench/sovbench/results"
)

func TestSummarize(t *testing.T) {
	ms := func(v ...float64) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x * float64(time.Millisecond))
		}
		return out
	}
	// 1..100 ms: nearest rank puts p50 at rank 50, p90 at 90, p99 at 99.
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(100-i) * time.Millisecond // reversed: order must not matter
	}
	tests := []struct {
		name string
		in   []time.Duration
		want results.Summary
	}{
		{
			name: "no samples give the zero summary",
			in:   nil,
			want: results.Summary{},
		},
		{
			name: "one sample is every percentile and has no deviation",
			in:   ms(7),
			want: results.Summary{N: 1, Min: ms2(7), P50: ms2(7), P90: ms2(7), P99: ms2(7), Mean: ms2(7)},
		},
		{
			// sorted 10 20 30 40; p50 rank ceil(2)=2 → 20; p90 rank ceil(3.6)=4 → 40.
			// mean 25; squared deviations 225+25+25+225=500; /3 = 166.67; sqrt = 12.9099445 ms.
			name: "four samples use nearest rank and the n-1 deviation",
			in:   ms(40, 10, 30, 20),
			want: results.Summary{N: 4, Min: ms2(10), P50: ms2(20), P90: ms2(40), P99: ms2(40), Mean: ms2(25), Stddev: results.Duration(12909944)},
		},
		{
			// 1..100 ms: mean 50.5 ms; sample variance n(n+1)/12 = 841.6667 ms²; sd 29.0114920 ms.
			name: "a hundred samples put p99 below the maximum",
			in:   hundred,
			want: results.Summary{N: 100, Min: ms2(1), P50: ms2(50), P90: ms2(90), P99: ms2(99), Mean: results.Duration(50500000), Stddev: results.Duration(29011492)},
		},
		{
			// 1, 2, 4 ns: mean 7/3 = 2.333 → 2; variance ((4/3)²+(1/3)²+(5/3)²)/2 = 2.333; sd 1.5275 → 2.
			name: "mean and deviation round to the nearest nanosecond",
			in:   []time.Duration{4, 1, 2},
			want: results.Summary{N: 3, Min: 1, P50: 2, P90: 4, P99: 4, Mean: 2, Stddev: 2},
		},
		{
			// 99 samples of 1 ms and one of 1 s: p99 rank 99 is still 1 ms; the outlier shows in mean and max only.
			name: "one outlier in a hundred does not move p99",
			in:   append(repeat(time.Millisecond, 99), time.Second),
			want: results.Summary{N: 100, Min: ms2(1), P50: ms2(1), P90: ms2(1), P99: ms2(1), Mean: results.Duration(10990000), Stddev: results.Duration(99900000)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := append([]time.Duration(nil), tt.in...)
			got := Summarize(tt.in)
			if got != tt.want {
				t.Errorf("Summarize() =\n %+v, want\n %+v", got, tt.want)
			}
			for i := range before {
				if tt.in[i] != before[i] {
					t.Fatalf("Summarize modified its input at %d", i)
				}
			}
		})
	}
}

func ms2(v float64) results.Duration { return results.Duration(v * float64(time.Millisecond)) }

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func ExampleSummarize() {
	s := Summarize([]time.Duration{12 * time.Millisecond, 10 * time.Millisecond, 11 * time.Millisecond})
	fmt.Println(s.N, s.Min, s.P50, s.P99, s.Mean, s.Stddev)
	// Output: 3 10ms 11ms 12ms 11ms 1ms
}
